using HTagKube.Router.Identity;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Proxy;

/// <summary>
/// The <c>htagkube_uid</c> cookie: the anonymous user's only credential (docs/design.md §3, §6), router-issued
/// (<see cref="UidSeal"/>: a uid the router did not seal is replaced, never adopted). One rule reads and strips it:
/// the exact name (cookie names are case-sensitive, RFC 6265), so a cookie the router would not take as the
/// credential is an app cookie, and the one it takes never reaches a userpod.
/// </summary>
public static class UidCookie
{
    /// <summary>The cookie name.</summary>
    public const string Name = HTagKube.Contract.Cookies.Uid;

    /// <summary>The request's uid, or a fresh one set on the response when absent, malformed or not router-issued.</summary>
    public static string GetOrIssue(HttpContext ctx, UidSeal seal)
    {
        if (seal.Open(Read(ctx.Request.Headers.Cookie)) is { } known) return known;

        var uid = UserKey.NewUid();
        ctx.Response.Cookies.Append(Name, seal.Seal(uid), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = IsHttps(ctx),
            Path = "/",
            IsEssential = true,
        });
        return uid;
    }

    /// <summary>The value of the first cookie named exactly <see cref="Name"/>, or null.</summary>
    public static string? Read(Microsoft.Extensions.Primitives.StringValues cookieHeaders)
    {
        foreach (var header in cookieHeaders)
        {
            if (header is null || !header.Contains(Name, StringComparison.Ordinal)) continue;
            foreach (var range in header.AsSpan().Split(';'))
            {
                var pair = header.AsSpan()[range].Trim();
                if (IsUid(pair)) return pair[(pair.IndexOf('=') + 1)..].Trim().ToString();
            }
        }
        return null;
    }

    /// <summary>
    /// The Cookie header without the router's own cookies (null when nothing remains): the uid, and with sign-in the
    /// login and sign-in flow cookies. The router owns the name prefix <c>htagkube_</c> (exact case, as cookie names
    /// are); <c>HTAGKUBE_UID</c> and other names pass to the app.
    /// </summary>
    public static string? Strip(string cookieHeader)
    {
        if (!cookieHeader.Contains(RouterPrefix, StringComparison.Ordinal))
            return cookieHeader.Length == 0 ? null : cookieHeader;
        var kept = new List<string>();
        foreach (var range in cookieHeader.AsSpan().Split(';'))
        {
            var pair = cookieHeader.AsSpan()[range].Trim();
            if (pair.Length > 0 && !pair.StartsWith(RouterPrefix, StringComparison.Ordinal)) kept.Add(pair.ToString());
        }
        return kept.Count == 0 ? null : string.Join("; ", kept);
    }

    /// <summary>
    /// <see cref="Strip"/> over every Cookie line a request carries (HTTP/1.1 clients may send several, HTTP/2 one per
    /// cookie), one line out: never one comma-joined string, in which a second line's cookie hides from the strip.
    /// </summary>
    public static string? StripAll(IEnumerable<string?> cookieLines)
    {
        var kept = cookieLines.Select(l => l is null ? null : Strip(l)).OfType<string>().ToList();
        return kept.Count == 0 ? null : string.Join("; ", kept);
    }

    /// <summary>Name prefix of every cookie the router sets (uid, login, sign-in correlation and nonce).</summary>
    public const string RouterPrefix = "htagkube_";

    // "name=value" or "name = value" with the exact name; a bare "htagkube_uid" (no '=') is no cookie of that name.
    static bool IsUid(ReadOnlySpan<char> pair)
    {
        var eq = pair.IndexOf('=');
        return eq >= 0 && pair[..eq].Trim().SequenceEqual(Name);
    }

    /// <summary>HTTPS at the router, or behind a TLS-terminating proxy that says so.</summary>
    public static bool IsHttps(HttpContext ctx) =>
        ctx.Request.IsHttps
        || string.Equals(ctx.Request.Headers["X-Forwarded-Proto"].ToString(), "https", StringComparison.OrdinalIgnoreCase);
}
