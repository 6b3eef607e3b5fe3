namespace HTagKube.Contract;

/// <summary>
/// The one rule, at the router and again at the userpod (defence in depth: a userpod reached without the router), for
/// requests that act on a user's session with the user's cookies (htag's <see cref="SessionPaths"/>): a browser
/// request from another origin is refused, so a sibling origin (another port, another subdomain) cannot drive or read
/// a victim's apps. Foreign means an <c>Origin</c> other than the request's own host (<c>null</c> included), or
/// <c>Sec-Fetch-Site: cross-site</c>/<c>same-site</c> (the browser saying the page's origin differs). A request with
/// neither header (curl, a server) is not a browser's cross-origin request and passes.
/// </summary>
public static class OriginRule
{
    /// <summary>htag's session endpoints: the WebSocket, the http-only POST, exposed calls, uploads.</summary>
    public static readonly IReadOnlyList<string> SessionPaths = ["/_htag/ws", "/_htag/post", "/_htag/call", "/_htag/upload"];

    /// <summary>True when a browser sent the request from a page of another origin.</summary>
    /// <param name="secFetchSite">The <c>Sec-Fetch-Site</c> header, or empty.</param>
    /// <param name="origins">Every <c>Origin</c> header value (none, one, or the oddity of several).</param>
    /// <param name="host">The host the page was served from, <c>name[:port]</c> (the <c>Host</c> header, or the
    /// router's <c>X-Forwarded-Host</c> at the userpod); empty when unknown.</param>
    public static bool IsForeign(string? secFetchSite, IReadOnlyList<string?> origins, string? host)
    {
        if (string.Equals(secFetchSite, "cross-site", StringComparison.OrdinalIgnoreCase)
            || string.Equals(secFetchSite, "same-site", StringComparison.OrdinalIgnoreCase))
            return true;
        if (origins.Count == 0) return false;
        if (origins.Count > 1 || !Uri.TryCreate(origins[0], UriKind.Absolute, out var o) || o.Scheme is not ("http" or "https"))
            return true; // "null" (sandboxed, file:, data:), several, or garbage
        if (!TrySplit(host, out var name, out var port) || !string.Equals(o.Host, name, StringComparison.OrdinalIgnoreCase)) return true;
        // Behind TLS termination the server may see http while the page is https: the port decides only when the
        // host names one (the port a browser sent, which the page's origin must carry too).
        return port is int p && o.Port != p;
    }

    /// <summary>True only for a browser request whose <c>Origin</c> names the page's own host (a socket may adopt a
    /// new instance for the page only then).</summary>
    /// <param name="origins">Every <c>Origin</c> header value.</param>
    /// <param name="host">As for <see cref="IsForeign"/>.</param>
    public static bool IsOwnOrigin(IReadOnlyList<string?> origins, string? host) =>
        origins.Count == 1 && !IsForeign(null, origins, host);

    /// <summary><c>name</c>, <c>name:port</c>, <c>[v6]</c> or <c>[v6]:port</c>; the name keeps an IPv6 address's brackets
    /// (as <see cref="Uri.Host"/> does).</summary>
    static bool TrySplit(string? host, out string name, out int? port)
    {
        name = "";
        port = null;
        if (string.IsNullOrEmpty(host)) return false;
        var colon = host.StartsWith('[')
            ? host.IndexOf("]:", StringComparison.Ordinal) is var b and >= 0 ? b + 1 : -1
            : host.LastIndexOf(':');
        if (colon < 0)
        {
            name = host;
            return true;
        }
        name = host[..colon];
        if (!int.TryParse(host.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
                out var p)) return false;
        port = p;
        return name.Length > 0;
    }
}
