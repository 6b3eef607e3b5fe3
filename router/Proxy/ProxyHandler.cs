using System.Threading.RateLimiting;
using HTagKube.Routing.Identity;
using HTagKube.Routing;
using HTagKube.Router.Forwarding;
using HTagKube.Router.Hosting;
using HTagKube.Router.Metrics;
using HTagKube.Router.Provisioning;

namespace HTagKube.Router.Proxy;

/// <summary>
/// The front door for every user path: uid cookie → userKey → route (starting a session on a miss, within the
/// session cap and the per-IP rate limit) → HTTP or WebSocket forwarding; a dead route is replaced once.
/// </summary>
public sealed class ProxyHandler(
    RouterOptions options,
    RouteCache routes,
    ISessionProvisioner provisioner,
    UserpodForwarder http,
    WebSocketRelay webSockets,
    ActivityTracker activity,
    PartitionedRateLimiter<string> newSessionLimiter,
    RouterMetrics metrics,
    ILogger<ProxyHandler> log)
{
    enum Refusal { None, Cap, Rate }

    Refusal Admit(HttpContext ctx)
    {
        if (provisioner.LiveSessions >= options.MaxSessions) return Refusal.Cap;
        using var lease = newSessionLimiter.AttemptAcquire(ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return lease.IsAcquired ? Refusal.None : Refusal.Rate;
    }

    readonly Lock _admission = new();

    /// <summary>Handles one request end to end.</summary>
    public async Task InvokeAsync(HttpContext ctx)
    {
        var uid = UidCookie.GetOrIssue(ctx, out _);
        var userKey = UserKey.FromUid(uid);
        try
        {
            await ProxyAsync(ctx, userKey);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // client gone: nothing to answer
        }
        catch (Exception e)
        {
            log.LogError(e, "proxy failure for {UserKey} {Method} {Path}", userKey, ctx.Request.Method, ctx.Request.Path.Value);
            await Pages.WriteUnavailableAsync(ctx, "The router failed to reach your session.");
        }
        finally
        {
            metrics.Proxied(ctx.Response.StatusCode);
        }
    }

    async Task ProxyAsync(HttpContext ctx, string userKey)
    {
        RouteEntry? route;
        try
        {
            route = await routes.GetAsync(userKey, ctx.RequestAborted);
        }
        catch (RouteTableUnavailableException e)
        {
            metrics.RouteTableError();
            log.LogWarning("route table unavailable for {UserKey}: {Error}", userKey, e.Message);
            await Pages.WriteUnavailableAsync(ctx, "Sessions are briefly unavailable; retry shortly.");
            return;
        }
        route ??= await StartAsync(ctx, userKey, newSession: true);
        if (route is null) return;

        var isWebSocket = ctx.WebSockets.IsWebSocketRequest;
        var replayable = isWebSocket || HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method)
                         || HttpMethods.IsOptions(ctx.Request.Method);
        var retriedSameRoute = false;
        for (var attempt = 0; ; attempt++)
        {
            activity.OnActivity(userKey);
            ForwardResult result;
            var bodyStarted = false;
            if (isWebSocket) result = await webSockets.RelayAsync(ctx, route, () => activity.OnActivity(userKey));
            else (result, bodyStarted) = await http.SendAsync(ctx, route);

            if (result == ForwardResult.UpstreamFailed && !ctx.Response.HasStarted)
            {
                // A pooled connection reset by a userpod that just died looks like a failed request. Nothing
                // listening → dead route; else one replay of a safe request on a fresh connection tells.
                if (await UserpodForwarder.IsDeadAsync(route.Endpoint)) result = ForwardResult.ConnectFailed;
                else if (replayable && !bodyStarted && !retriedSameRoute) { retriedSameRoute = true; continue; }
            }
            switch (result)
            {
                case ForwardResult.UpstreamFailed:
                    metrics.UpstreamError();
                    await Pages.WriteBadGatewayAsync(ctx);
                    return;
                case ForwardResult.UpstreamTimeout:
                    metrics.UpstreamError();
                    await Pages.WriteGatewayTimeoutAsync(ctx);
                    return;
                case not ForwardResult.ConnectFailed:
                    return;
            }

            // Dead route: the userpod is gone. Forget it and start another; retry once when nothing was consumed.
            metrics.DeadRoute();
            log.LogWarning("route of {UserKey} at {Endpoint} refused the connection; replacing it", userKey, route.Endpoint);
            routes.Invalidate(userKey);
            try { await provisioner.RouteFailedAsync(userKey, route, ctx.RequestAborted); }
            catch (RouteTableUnavailableException) { metrics.RouteTableError(); }
            if (attempt > 2 || bodyStarted)
            {
                await Pages.WriteStartingAsync(ctx);
                _ = provisioner.EnsureSessionAsync(userKey, CancellationToken.None); // ready for the retry
                return;
            }
            route = await StartAsync(ctx, userKey, newSession: false);
            if (route is null) return;
        }
    }

    async Task<RouteEntry?> StartAsync(HttpContext ctx, string userKey, bool newSession)
    {
        Task<RouteEntry>? starting = null;
        Refusal refused;
        // Check and start in one step: the provisioner counts a start as soon as EnsureSessionAsync returns, so no
        // two new users can both take the last free place (a burst once admitted cap + 1).
        lock (_admission)
        {
            refused = newSession && !provisioner.IsStarting(userKey) ? Admit(ctx) : Refusal.None;
            if (refused == Refusal.None) starting = provisioner.EnsureSessionAsync(userKey, CancellationToken.None);
        }
        if (starting is null)
        {
            if (refused == Refusal.Cap)
            {
                metrics.RejectedByCap();
                log.LogWarning("session cap {Cap} reached; refusing {UserKey}", options.MaxSessions, userKey);
                await Pages.WriteFullAsync(ctx);
            }
            else
            {
                metrics.RejectedByRate();
                log.LogWarning("new-session rate limit hit by a client; refusing {UserKey}", userKey);
                await Pages.WriteRateLimitedAsync(ctx);
            }
            return null;
        }

        try
        {
            var route = await starting.WaitAsync(options.StartWait, ctx.RequestAborted);
            routes.Set(userKey, route);
            activity.MarkFresh(userKey);
            return route;
        }
        catch (TimeoutException)
        {
            await Pages.WriteStartingAsync(ctx);
        }
        catch (ProvisioningException e)
        {
            log.LogWarning("session of {UserKey} could not be started: {Error}", userKey, e.Message);
            await Pages.WriteUnavailableAsync(ctx, "Your session could not be started; retry shortly.");
        }
        return null;
    }
}
