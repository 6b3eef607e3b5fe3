namespace HTagKube.Router.Proxy;

/// <summary>
/// The one rule for requests that act on a user's session with the user's cookies (htag's <c>/_htag/ws</c>,
/// <c>/_htag/post</c>, <c>/_htag/call</c>, <c>/_htag/upload</c>, and the router's logout POST): a browser request from
/// another origin is refused, so a sibling origin (another port, another subdomain) cannot drive or read a victim's
/// apps. Foreign means an <c>Origin</c> other than the request's own host (<c>null</c> included), or
/// <c>Sec-Fetch-Site: cross-site</c>/<c>same-site</c> (the browser saying the page's origin differs). A request with
/// neither header (curl, a server) is not a browser's cross-origin request and passes.
/// </summary>
public static class OriginCheck
{
    static readonly string[] SessionPaths = ["/_htag/ws", "/_htag/post", "/_htag/call", "/_htag/upload"];

    /// <summary>True for htag's session endpoints (and anything below them).</summary>
    public static bool IsSessionPath(PathString path)
    {
        foreach (var p in SessionPaths)
            if (path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>True when a browser sent <paramref name="request"/> from a page of another origin.</summary>
    public static bool IsForeign(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Equals("cross-site", StringComparison.OrdinalIgnoreCase) || site.Equals("same-site", StringComparison.OrdinalIgnoreCase))
            return true;
        var origin = request.Headers.Origin;
        if (origin.Count == 0) return false;
        if (origin.Count > 1 || !Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var o) || o.Scheme is not ("http" or "https"))
            return true; // "null" (sandboxed, file:, data:), several, or garbage
        var host = request.Host;
        if (!host.HasValue || !string.Equals(o.Host, host.Host, StringComparison.OrdinalIgnoreCase)) return true;
        // Behind TLS termination the router may see http while the page is https: the port decides only when the
        // Host header names one (the port a browser sent, which the page's origin must carry too).
        return host.Port is int port && o.Port != port;
    }
}
