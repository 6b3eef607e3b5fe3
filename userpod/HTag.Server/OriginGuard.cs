using HTagKube.Contract;
using Microsoft.AspNetCore.Http;

namespace HTag;

/// <summary>
/// <see cref="OriginRule"/> at the userpod, the router's rule again (defence in depth: a userpod reached without the
/// router). The page's host is the router's <c>X-Forwarded-Host</c> when there is one (the router sets it and drops a
/// client's own; a browser page cannot add it to a cross-origin request without a preflight nobody answers), else the
/// request's <c>Host</c> (a userpod serving browsers itself).
/// </summary>
static class OriginGuard
{
    static string? PageHost(HttpContext ctx)
    {
        var forwarded = ctx.Request.Headers["X-Forwarded-Host"];
        if (forwarded.Count > 0) return forwarded.ToString();
        return ctx.Request.Host.HasValue ? ctx.Request.Host.Value : null;
    }

    /// <summary>True when a browser sent the request from a page of another origin.</summary>
    public static bool IsForeign(HttpContext ctx) =>
        OriginRule.IsForeign(ctx.Request.Headers["Sec-Fetch-Site"].ToString(), ctx.Request.Headers.Origin, PageHost(ctx));

    /// <summary>True only when the request's <c>Origin</c> names the page's own host.</summary>
    public static bool IsOwnOrigin(HttpContext ctx) => OriginRule.IsOwnOrigin(ctx.Request.Headers.Origin, PageHost(ctx));

    /// <summary>403 for a foreign request.</summary>
    public static async Task RefuseAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await ctx.Response.WriteAsync("a page of another origin may not use this app's session", ctx.RequestAborted).ConfigureAwait(false);
    }
}
