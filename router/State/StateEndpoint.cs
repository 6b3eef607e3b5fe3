using HTagKube.Contract;
using HTagKube.Router.Hosting;
using HTagKube.Router.Metrics;
using HTagKube.Routing;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.State;

/// <summary>
/// <c>GET|PUT /_htagkube/state</c> (<see cref="StateProtocol"/>): a userpod reads or replaces its user's durable
/// document. 400 for a malformed <c>X-HTag-State-Key</c> or a body that is not a JSON object, 403 unless the token is
/// the routed userpod's (<see cref="StateAccess"/>), 413 over <c>--state-max-bytes</c> (the stored document stays),
/// 503 while the store is unreachable, 405 for other methods. Neither keys nor documents are logged.
/// </summary>
public sealed class StateEndpoint(RouterOptions options, IStateStore store, StateAccess access, RouterMetrics metrics,
    ILogger<StateEndpoint> log)
{
    /// <summary>Handles a request to <see cref="StateProtocol.Path"/>.</summary>
    public async Task HandleAsync(HttpContext ctx)
    {
        var method = ctx.Request.Method;
        var isGet = HttpMethods.IsGet(method);
        if (!isGet && !HttpMethods.IsPut(method))
        {
            ctx.Response.Headers.Allow = "GET, PUT";
            await RefuseAsync(ctx, StatusCodes.Status405MethodNotAllowed, "method", "Only GET and PUT.");
            return;
        }
        ctx.Response.Headers.CacheControl = "no-store";
        var keys = ctx.Request.Headers[Headers.StateKey];
        var userKey = keys.Count == 1 ? keys[0] : null;
        if (!UserKey.IsWellFormed(userKey))
        {
            await RefuseAsync(ctx, StatusCodes.Status400BadRequest, "key", $"{Headers.StateKey} must be one userKey.");
            return;
        }
        var tokens = ctx.Request.Headers[Headers.Token];
        try
        {
            if (tokens.Count != 1 || !await access.AllowsAsync(userKey!, tokens[0] ?? "", ctx.RequestAborted))
            {
                await RefuseAsync(ctx, StatusCodes.Status403Forbidden, "forbidden",
                    "Refused: the token is not the one of the userpod serving this key.");
                return;
            }
            if (isGet) await ReadAsync(ctx, userKey!);
            else await WriteAsync(ctx, userKey!);
        }
        catch (RouteTableUnavailableException e)
        {
            metrics.RouteTableError();
            log.LogWarning("state store unavailable: {Error}", e.Message);
            await RefuseAsync(ctx, StatusCodes.Status503ServiceUnavailable, "unavailable", "State is briefly unavailable; retry.");
        }
    }

    async Task ReadAsync(HttpContext ctx, string userKey)
    {
        var document = await store.GetAsync(userKey, options.StateLifetime, ctx.RequestAborted);
        metrics.StateRead(found: document is not null);
        if (document is null)
        {
            ctx.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        ctx.Response.ContentType = StateProtocol.ContentType;
        ctx.Response.ContentLength = document.Length;
        await ctx.Response.Body.WriteAsync(document, ctx.RequestAborted);
    }

    async Task WriteAsync(HttpContext ctx, string userKey)
    {
        var (outcome, document) = await StateDocument.ReadAsync(ctx.Request, options.StateMaxBytes, ctx.RequestAborted);
        switch (outcome)
        {
            case StateDocument.Outcome.TooLarge:
                await RefuseAsync(ctx, StatusCodes.Status413PayloadTooLarge, "too-large",
                    $"State document over the router's limit of {options.StateMaxBytes} bytes (--state-max-bytes); nothing stored.");
                return;
            case StateDocument.Outcome.NotAnObject:
                await RefuseAsync(ctx, StatusCodes.Status400BadRequest, "not-an-object", "The state document must be one JSON object.");
                return;
        }
        await store.PutAsync(userKey, document, options.StateLifetime, ctx.RequestAborted);
        metrics.StateWritten();
        ctx.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    async Task RefuseAsync(HttpContext ctx, int status, string reason, string message)
    {
        metrics.StateRefused(reason);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await ctx.Response.WriteAsync(message + "\n", ctx.RequestAborted);
    }
}
