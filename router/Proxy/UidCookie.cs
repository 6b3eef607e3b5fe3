using HTagKube.Routing.Identity;
using HTagKube.Router.Forwarding;

namespace HTagKube.Router.Proxy;

/// <summary>The <c>htagkube_uid</c> cookie: the anonymous user's only credential (docs/design.md §3, §6).</summary>
public static class UidCookie
{
    /// <summary>The request's uid, or a fresh one set on the response when absent or malformed.</summary>
    public static string GetOrIssue(HttpContext ctx, out bool issued)
    {
        string? value;
        try { value = ctx.Request.Cookies[HeaderRules.UidCookie]; }
        catch (Exception) { value = null; } // an unparsable Cookie header is just "no cookie"
        if (UserKey.IsWellFormedUid(value)) { issued = false; return value!; }

        var uid = UserKey.NewUid();
        ctx.Response.Cookies.Append(HeaderRules.UidCookie, uid, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = IsHttps(ctx),
            Path = "/",
            IsEssential = true,
        });
        issued = true;
        return uid;
    }

    /// <summary>HTTPS at the router, or behind a TLS-terminating proxy that says so.</summary>
    public static bool IsHttps(HttpContext ctx) =>
        ctx.Request.IsHttps
        || string.Equals(ctx.Request.Headers["X-Forwarded-Proto"].ToString(), "https", StringComparison.OrdinalIgnoreCase);
}
