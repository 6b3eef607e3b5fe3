using System.Buffers.Text;
using System.Text.Json;
using HTagKube.Contract;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>
/// An ASP.NET Core request → the app's read-only <see cref="Request"/> and <see cref="User"/>. The router is the
/// only source of <c>X-HTag-*</c> headers (it strips client-sent ones), so <c>X-HTag-User</c> is trusted here; such
/// headers and the uid cookie are kept out of what apps see.
/// </summary>
static class RequestReader
{
    const int MaxUserHeaderChars = 16 * 1024;

    /// <summary>The request an app sees; <paramref name="path"/> and <paramref name="queryString"/> override the
    /// transport's (a WebSocket adopting an instance builds it for the page's path and query).</summary>
    public static Request Read(HttpContext ctx, string path, string queryString, IReadOnlyDictionary<string, string>? routeValues = null)
    {
        var query = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(queryString))
            query[k] = [.. v.Select(s => s ?? "")];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in ctx.Request.Headers)
            if (!k.StartsWith(Headers.Prefix, StringComparison.OrdinalIgnoreCase)
                && !k.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
                headers[k] = v.ToString();
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in ctx.Request.Cookies)
            if (k != Cookies.Uid) cookies[k] = v;
        return new Request(path, queryString, query, headers, cookies, ClientAddress(ctx), routeValues);
    }

    /// <summary>The router's X-Forwarded-For (it sets one address, decided by its trusted-proxies rule), else the peer.</summary>
    static string? ClientAddress(HttpContext ctx)
    {
        var xff = ctx.Request.Headers["X-Forwarded-For"].ToString();
        if (xff.Length > 0)
        {
            var first = xff.Split(',')[0].Trim();
            if (System.Net.IPAddress.TryParse(first, out var ip)) return ip.ToString();
        }
        return ctx.Connection.RemoteIpAddress?.ToString();
    }

    /// <summary>The user the router vouches for; a malformed header counts as anonymous (logged, never thrown).</summary>
    public static User ReadUser(HttpContext ctx, ILogger log)
    {
        var raw = ctx.Request.Headers[Headers.User].ToString();
        if (raw.Length == 0) return User.Anonymous;
        var user = raw.Length <= MaxUserHeaderChars ? Parse(raw) : null;
        if (user is null)
            log.LogWarning("malformed {Header} header ({Length} chars): treating the user as anonymous", Headers.User, raw.Length);
        return user ?? User.Anonymous;
    }

    internal static User? Parse(string header)
    {
        byte[] json;
        try { json = Base64Url.DecodeFromChars(header); }
        catch (FormatException) { return null; }
        try
        {
            using var doc = JsonDocument.Parse(json);
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) return null;
            string? Str(string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var groups = new List<string>();
            if (o.TryGetProperty("groups", out var g) && g.ValueKind == JsonValueKind.Array)
                foreach (var e in g.EnumerateArray())
                    if (e.ValueKind == JsonValueKind.String) groups.Add(e.GetString()!);
            return new User(Str("iss"), Str("sub"), Str("name"), Str("email"), groups);
        }
        catch (JsonException) { return null; }
    }
}
