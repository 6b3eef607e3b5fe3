using System.Security.Cryptography;
using System.Text;
using HTagKube.Contract;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>The userpod's few endpoints, dispatched by path without the routing middleware (lean startup).</summary>
sealed class Endpoints(HTagServer server)
{
    public async Task DispatchAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/_htag/", StringComparison.Ordinal))
        {
            if (OriginRule.SessionPaths.Contains(path) && OriginGuard.IsForeign(ctx))
            {
                await OriginGuard.RefuseAsync(ctx).ConfigureAwait(false);
                return;
            }
            switch (path)
            {
                case "/_htag/htag.js": await ServeJsAsync(ctx).ConfigureAwait(false); return;
                case "/_htag/ws": await WebSocketAsync(ctx).ConfigureAwait(false); return;
                case "/_htag/post": await HttpInteraction.HandleAsync(ctx, server).ConfigureAwait(false); return;
                case "/_htag/call": await HttpCall.HandleAsync(ctx, server).ConfigureAwait(false); return;
                case "/_htag/upload": await HttpUpload.HandleAsync(ctx, server).ConfigureAwait(false); return;
            }
        }
        else if (server.Apps.TryGetValue(path, out var host) && host.Route is null && HttpMethods.IsGet(ctx.Request.Method))
        {
            await PageAsync(ctx, host, null).ConfigureAwait(false);
            return;
        }
        else if (server.EndpointFor(ctx.Request.Method, path) is { } endpoint)
        {
            await RunEndpointAsync(ctx, endpoint, path).ConfigureAwait(false);
            return;
        }
        else if (server.MatchRoute(ctx, path) is { } route)
        {
            if (route.App is not null) await PageAsync(ctx, route.App, RouteTemplatePath.Strings(route.Values)).ConfigureAwait(false);
            else
            {
                ctx.Request.RouteValues = route.Values;
                await RunEndpointAsync(ctx, route.Endpoint!, path).ConfigureAwait(false);
            }
            return;
        }
        else if (server.Files is { } files && (HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method)))
        {
            await files.ServeAsync(ctx).ConfigureAwait(false);
            return;
        }
        await NotFoundAsync(ctx).ConfigureAwait(false);
    }

    /// <summary>404, except the icon browsers ask for on every page: an empty answer keeps their console clean.</summary>
    internal static async Task NotFoundAsync(HttpContext ctx)
    {
        if (ctx.Request.Path == "/favicon.ico")
        {
            ctx.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        ctx.Response.StatusCode = StatusCodes.Status404NotFound;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync("not found", ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>An app author's endpoint: its exception is logged and, if nothing was sent yet, a plain 500.</summary>
    async Task RunEndpointAsync(HttpContext ctx, RequestDelegate endpoint, string path)
    {
        ctx.Features.Set(new EndpointFeature(server, this));
        if (server.State.Bound)
        {
            // Stored before the response starts when the endpoint changed the session before writing (the usual case);
            // a failure here is met again by the flush after the endpoint, which reports it.
            ctx.Response.OnStarting(async () =>
            {
                try { await server.State.FlushAsync(ctx.RequestAborted).ConfigureAwait(false); }
                catch (InvalidOperationException) { }
            });
        }
        try
        {
            await endpoint(ctx).ConfigureAwait(false);
            await server.State.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (!ctx.RequestAborted.IsCancellationRequested)
        {
            server.Logger.LogError(e, "endpoint {Method} {Path} failed", ctx.Request.Method, path);
            if (ctx.Response.HasStarted) { ctx.Abort(); return; }
            ctx.Response.Clear();
            ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.WriteAsync(server.Options.Debug ? e.ToString() : "endpoint failed", ctx.RequestAborted)
                .ConfigureAwait(false);
        }
    }

    static async Task ServeJsAsync(HttpContext ctx)
    {
        ctx.Response.ContentType = "text/javascript; charset=utf-8";
        ctx.Response.Headers.CacheControl = ctx.Request.Query["v"] == Assets.HtagJsVersion
            ? "public, max-age=31536000, immutable" : "no-cache";
        ctx.Response.Headers.XContentTypeOptions = "nosniff";
        await ctx.Response.Body.WriteAsync(Assets.HtagJs, ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The page of an app: mapped (exact path or template, <paramref name="routeValues"/> bound to Init) or
    /// rendered by an endpoint.</summary>
    internal async Task PageAsync(HttpContext ctx, AppHost host, IReadOnlyDictionary<string, string>? routeValues)
    {
        var queryKey = QueryKey(ctx.Request.QueryString.Value);
        var instance = await BuildAsync(ctx, host, queryKey, ctx.Request.Path.Value ?? host.Path, routeValues).ConfigureAwait(false);
        if (instance is null) return;
        // The first render runs under the same timeout: it waits for the instance's lock, which a long handler may hold.
        RenderResult? render;
        try
        {
            render = await Deadline.RunAsync(server, host.InteractionTimeout, () => instance.Runtime.RenderAsync(CancellationToken.None),
                $"first render of app {host.Path}", ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ctx.RequestAborted.IsCancellationRequested)
        {
            // A Render method threw (logged by the runtime): the page cannot be shown.
            await ErrorPage.WriteAsync(ctx, StatusCodes.Status500InternalServerError, "The app failed to render",
                server.Options.Debug ? e.ToString() : null).ConfigureAwait(false);
            return;
        }
        if (render is null)
        {
            await ErrorPage.WriteAsync(ctx, StatusCodes.Status503ServiceUnavailable, "The app did not render in time", null)
                .ConfigureAwait(false);
            return;
        }
        try
        {
            // Init may have written the session: stored before the page shows it.
            await server.State.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            server.Logger.LogError(e, "app {App} ({Type}): the session could not be stored", host.Path, host.AppType.Name);
            await ErrorPage.WriteAsync(ctx, StatusCodes.Status500InternalServerError, "The app's session could not be stored", e.Message)
                .ConfigureAwait(false);
            return;
        }
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var html = Page.Render(instance, render, nonce);
        var h = ctx.Response.Headers;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        h.CacheControl = "no-store";
        h.ContentSecurityPolicy = host.ContentSecurityPolicy(nonce);
        h.XContentTypeOptions = "nosniff";
        h["Referrer-Policy"] = "same-origin";
        await ctx.Response.WriteAsync(html, ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The instance for a page, or null after writing the error page: 400 for a query no Init overload accepts, 500
    /// for an exception in the app's constructor or Init (its stack trace shown with Debug), 503 for an Init that
    /// outlived the interaction timeout.
    /// </summary>
    async Task<Instance?> BuildAsync(
        HttpContext ctx, AppHost host, string queryKey, string path, IReadOnlyDictionary<string, string>? routeValues)
    {
        try
        {
            var instance = await host.GetOrCreateAsync(queryKey, RequestReader.Read(ctx, path, queryKey, routeValues),
                RequestReader.ReadUser(ctx, server.Logger), ctx.RequestAborted).ConfigureAwait(false);
            if (instance is null)
                await ErrorPage.WriteAsync(ctx, StatusCodes.Status503ServiceUnavailable, "The app did not start in time",
                    $"Its Init did not return within {host.InteractionTimeout.TotalSeconds:0.###} s.").ConfigureAwait(false);
            return instance;
        }
        catch (InitQueryException e)
        {
            await ErrorPage.WriteAsync(ctx, StatusCodes.Status400BadRequest, "Bad query for this app", e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ctx.RequestAborted.IsCancellationRequested)
        {
            server.Logger.LogError(e, "building app {App} ({Type}) failed", host.Path, host.AppType.Name);
            await ErrorPage.WriteAsync(ctx, StatusCodes.Status500InternalServerError, "The app failed to start",
                server.Options.Debug ? e.ToString() : null).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>The page's path (<c>u</c>, htag.js sends <c>location.pathname</c>) and its route values, for rebuilding its
    /// instance; null when a template app's page path is missing or no longer matches.</summary>
    static (string Path, IReadOnlyDictionary<string, string>? Values)? PagePath(HttpContext ctx, AppHost host)
    {
        if (host.Route is null) return (host.Path, null);
        var path = ctx.Request.Query["u"].ToString();
        return path.StartsWith('/') && host.Route.Match(ctx, path) is { } values ? (path, RouteTemplatePath.Strings(values)) : null;
    }

    /// <summary>The query, normalised: an instance is reused only for the same query.</summary>
    internal static string QueryKey(string? query) => string.IsNullOrEmpty(query) || query == "?" ? "" : query;

    async Task WebSocketAsync(HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
            await ctx.Response.WriteAsync("WebSocket expected", ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        var appPath = ctx.Request.Query["app"].ToString();
        var instanceId = ctx.Request.Query["i"].ToString();
        using var ws = await ctx.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var host = server.FindHost(appPath);
        var instance = host is { HttpOnly: false } ? host.Find(instanceId) : null;
        string? adoptedFrom = null;
        // Only the page's own origin may have a new instance adopted (a socket with no Origin is no browser page's).
        if (instance is null && host is { HttpOnly: false, Parano: false, ByEndpoint: false } && ctx.Request.Query.ContainsKey("q")
            && OriginGuard.IsOwnOrigin(ctx) && PagePath(ctx, host) is var (pagePath, routeValues))
        {
            // The page's instance is gone (process restarted, instance dropped): give the page the current
            // instance for its path and query right on this socket instead of a reload round trip. Parano pages
            // reload instead: their key came with the page; so do pages an endpoint chose the app of.
            try
            {
                var queryKey = QueryKey(ctx.Request.Query["q"].ToString());
                instance = await host.GetOrCreateAsync(queryKey, RequestReader.Read(ctx, pagePath, queryKey, routeValues),
                    RequestReader.ReadUser(ctx, server.Logger), ctx.RequestAborted).ConfigureAwait(false);
                if (instance is not null) adoptedFrom = instanceId;
                // Its Init may have written the session: stored before the page sees the new instance.
                try { await server.State.FlushAsync(ctx.RequestAborted).ConfigureAwait(false); }
                catch (InvalidOperationException e)
                {
                    server.Logger.LogError(e, "app {App} ({Type}): the session could not be stored", host.Path, host.AppType.Name);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                server.Logger.LogError(e, "building app {App} ({Type}) failed", host.Path, host.AppType.Name);
            }
        }
        if (instance is null)
        {
            // Unknown app or replaced instance (process restarted, query changed, timeout): the page reloads.
            var reload = Encoding.UTF8.GetBytes("{\"reload\":true}");
            try
            {
                await ws.SendAsync(reload, System.Net.WebSockets.WebSocketMessageType.Text, true, ctx.RequestAborted).ConfigureAwait(false);
                await ws.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "no such instance", ctx.RequestAborted)
                    .ConfigureAwait(false);
            }
            catch (System.Net.WebSockets.WebSocketException) { }
            return;
        }
        // Server shutdown ends the socket loop too, so stopping never waits for browsers to leave.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, server.Stopping);
        await new Connection(ws, instance, server, ctx.Request.Query["p"].ToString(), adoptedFrom).RunAsync(cts.Token)
            .ConfigureAwait(false);
    }
}
