using HTagKube.Routing.Identity;
using HTagKube.Routing;
using HTagKube.Router.Admission;
using HTagKube.Router.Forwarding;
using HTagKube.Router.Hosting;
using HTagKube.Router.Identity;
using HTagKube.Router.Metrics;
using HTagKube.Router.Provisioning;
using HTagKube.Router.SignIn;

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
    ISessionAdmission admission,
    UidSigner uids,
    RouterMetrics metrics,
    ILogger<ProxyHandler> log,
    SignInGate? signIn = null)
{
    /// <summary>Handles one request end to end.</summary>
    public async Task InvokeAsync(HttpContext ctx)
    {
        string userKey;
        if (signIn is null) userKey = UserKey.FromUid(UidCookie.GetOrIssue(ctx, uids, out _));
        else
        {
            // Signed-in users are keyed by issuer + subject; the gate answers everyone else (sign-in, 403).
            if (await signIn.ResolveAsync(ctx) is not { } user) { metrics.Proxied(ctx.Response.StatusCode); return; }
            userKey = user.UserKey;
            ctx.Features.Set(user); // for the identity header and the session's display name
        }
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
            if (isWebSocket)
                result = await webSockets.RelayAsync(ctx, route, () => activity.OnActivity(userKey), ctx.Features.Get<SignedInUser>()?.LoginExpires);
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
        // Admission reserves the place in the same atomic step that checks the cap (in Redis: for every router), so
        // no two new users can both take the last free place. Existing users (a route being replaced) are never refused.
        var admitted = AdmissionResult.Admitted;
        try
        {
            if (newSession) admitted = await admission.AdmitAsync(userKey, ClientKey.Of(ctx.Connection.RemoteIpAddress), ctx.RequestAborted);
            else await admission.KeepAsync(userKey, ctx.RequestAborted);
        }
        catch (RouteTableUnavailableException e)
        {
            metrics.RouteTableError();
            log.LogWarning("admission unavailable for {UserKey}: {Error}", userKey, e.Message);
            await Pages.WriteUnavailableAsync(ctx, "Sessions are briefly unavailable; retry shortly.");
            return null;
        }
        if (admitted == AdmissionResult.Full)
        {
            metrics.RejectedByCap();
            log.LogWarning("session cap {Cap} reached; refusing {UserKey}", options.MaxSessions, userKey);
            await Pages.WriteFullAsync(ctx);
            return null;
        }
        if (admitted == AdmissionResult.RateLimited)
        {
            metrics.RejectedByRate();
            log.LogWarning("new-session rate limit hit by a client; refusing {UserKey}", userKey);
            await Pages.WriteRateLimitedAsync(ctx);
            return null;
        }

        var starting = provisioner.EnsureSessionAsync(userKey, ctx.Features.Get<SignedInUser>()?.DisplayName, CancellationToken.None);
        _ = EndReservationAsync(userKey, starting); // also when this request stops waiting
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

    /// <summary>When the start is over (either way), the user counts only while its route exists.</summary>
    async Task EndReservationAsync(string userKey, Task<RouteEntry> starting)
    {
        try { await starting; }
        catch (Exception) { /* the waiting request reports it */ }
        try { await admission.StartEndedAsync(userKey, CancellationToken.None); }
        catch (RouteTableUnavailableException e)
        {
            log.LogWarning("reservation of {UserKey} left to expire: {Error}", userKey, e.Message);
        }
    }
}
