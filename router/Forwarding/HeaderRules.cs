using Microsoft.Extensions.Primitives;

namespace HTagKube.Router.Forwarding;

/// <summary>Which headers cross the router, per RFC 9110 §7.6.1 and the router↔userpod contract.</summary>
public static class HeaderRules
{
    /// <summary>The uid cookie: a bearer secret that stays at the router.</summary>
    public const string UidCookie = "htagkube_uid";

    /// <summary>Header carrying the userpod token.</summary>
    public const string TokenHeader = "X-HTag-Token";

    static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Expect", "Alt-Svc",
    };

    /// <summary>True for request headers the router never copies upstream.</summary>
    public static bool SkipRequestHeader(string name) =>
        HopByHop.Contains(name)
        || name.Equals("Host", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("X-HTag-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith(':'); // HTTP/2 pseudo headers

    /// <summary>True for response headers the router never copies back.</summary>
    public static bool SkipResponseHeader(string name) => HopByHop.Contains(name);

    /// <summary>Extra hop-by-hop names a sender listed in its <c>Connection</c> header.</summary>
    public static bool ListedInConnection(StringValues connection, string name)
    {
        foreach (var value in connection)
        {
            if (value is null) continue;
            foreach (var range in value.AsSpan().Split(','))
                if (value.AsSpan()[range].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>The Cookie header without the uid cookie (null when nothing remains).</summary>
    public static string? WithoutUid(string cookieHeader)
    {
        if (!cookieHeader.Contains(UidCookie, StringComparison.Ordinal)) return cookieHeader;
        var kept = new List<string>();
        foreach (var part in cookieHeader.Split(';'))
        {
            var p = part.Trim();
            if (p.Length == 0) continue;
            var eq = p.IndexOf('=');
            var name = eq < 0 ? p : p[..eq].Trim();
            if (!name.Equals(UidCookie, StringComparison.Ordinal)) kept.Add(p);
        }
        return kept.Count == 0 ? null : string.Join("; ", kept);
    }
}
