using System.Diagnostics;
using HTagKube.Router.Forwarding;
using HTagKube.Router.Identity;
using HTagKube.Router.Metrics;
using HTagKube.Router.Sessions;
using HTagKube.Router.SignIn;
using HTagKube.Router.State;
using HTagKube.Routing;

namespace HTagKube.Router.Proxy;

/// <summary>
/// The front door for every user path: the user (<see cref="IUserResolver"/>) → the route (<see cref="SessionService"/>,
/// which opens a session on a miss) → HTTP or WebSocket forwarding; a dead route is replaced, at most three times, and the
/// request waits for its starts at most <c>--start-wait</c> in all (then the "starting" page; the start goes on).
/// </summary>
public sealed class ProxyHandler(
    IUserResolver users,
    SessionService sessions,
    UserpodForwarder http,
    WebSocketRelay webSockets,
    ActivityTracker activity,
    StateAddress stateAddress,
    RouterMetrics metrics,
    ILogger<ProxyHandler> log)
{
    /// <summary>Handles one request end to end.</summary>
    public async Task InvokeAsync(HttpContext ctx)
    {
        if (OriginCheck.IsSessionPath(ctx.Request.Path) && OriginCheck.IsForeign(ctx.Request))
        {
            await Pages.WriteClientErrorAsync(ctx, StatusCodes.Status403Forbidden, "Refused: this request comes from another site.");
            metrics.Proxied(ctx.Response.StatusCode);
            return;
        }
        if (await users.ResolveAsync(ctx) is not { } user)
        {
            metrics.Proxied(ctx.Response.StatusCode);
            return;
        }
        try
        {
            await ProxyAsync(ctx, user);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // client gone: nothing to answer
        }
        catch (Exception e)
        {
            log.LogError(e, "proxy failure for {UserKey} {Method} {Path}", user.UserKey, ctx.Request.Method, ctx.Request.Path.Value);
            await Pages.WriteUnavailableAsync(ctx, "The router failed to reach your session.");
        }
        finally
        {
            metrics.Proxied(ctx.Response.StatusCode);
        }
    }

    async Task ProxyAsync(HttpContext ctx, RouterUser user)
    {
        var userKey = user.UserKey;
        RouteEntry? route;
        try
        {
            route = await sessions.FindAsync(userKey, ctx.RequestAborted);
        }
        catch (RouteTableUnavailableException e)
        {
            metrics.RouteTableError();
            log.LogWarning("route table unavailable for {UserKey}: {Error}", userKey, e.Message);
            await Pages.WriteUnavailableAsync(ctx, "Sessions are briefly unavailable; retry shortly.");
            return;
        }
        var waitingSince = Stopwatch.GetTimestamp(); // one --start-wait for all the starts of this request
        route ??= await sessions.OpenAsync(ctx, user, replacing: false, waitingSince);
        if (route is null) return;

        UserpodTransformer.SetState(ctx, new StateReference(userKey, stateAddress.Url));
        var isWebSocket = ctx.WebSockets.IsWebSocketRequest;
        var method = ctx.Request.Method;
        var replayable = isWebSocket || HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
        var retriedSameRoute = false;
        for (var attempt = 0; ; attempt++)
        {
            activity.OnActivity(userKey);
            ForwardResult result;
            var bodyStarted = false;
            if (isWebSocket)
            {
                var loginEnds = ctx.Features.Get<SignedInUser>()?.LoginExpires;
                result = await webSockets.RelayAsync(ctx, route, () => activity.OnActivity(userKey), loginEnds);
            }
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
            await sessions.RouteFailedAsync(userKey, route, ctx.RequestAborted);
            if (attempt > 2 || bodyStarted)
            {
                await Pages.WriteStartingAsync(ctx);
                sessions.OpenInBackground(user); // ready for the retry
                return;
            }
            route = await sessions.OpenAsync(ctx, user, replacing: true, waitingSince);
            if (route is null) return;
        }
    }
}
