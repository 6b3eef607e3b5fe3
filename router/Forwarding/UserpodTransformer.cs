using HTagKube.Contract;
using HTagKube.Routing;
using HTagKube.Router.Proxy;
using HTagKube.Router.SignIn;
using HTagKube.Router.State;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace HTagKube.Router.Forwarding;

/// <summary>
/// The router's whole header policy, in one place, for HTTP (YARP calls it) and WebSockets (the relay asks it):
/// the userpod token, the user's state key and the router's state URL (<c>X-HTag-State-Key</c>, <c>-Url</c>) and the
/// signed-in user's identity (<c>X-HTag-User</c>) added; client <c>X-HTag-*</c>,
/// <c>X-Forwarded-*</c> and <c>Forwarded</c> dropped and set
/// again from the router's view of the client (the trusted-proxy rules already ran); the router's cookies stripped;
/// hop-by-hop headers, including those a sender lists in <c>Connection</c>, dropped both ways.
/// </summary>
public sealed class UserpodTransformer : HttpTransformer
{
    /// <summary>Header carrying the userpod token.</summary>
    public const string TokenHeader = Headers.Token;

    /// <summary>The route the request goes to (its token); set by the caller before forwarding.</summary>
    public static void SetRoute(HttpContext ctx, RouteEntry route) => ctx.Features.Set(route);

    /// <summary>The user's state reference (its userKey, the state URL); set by the proxy before forwarding.</summary>
    public static void SetState(HttpContext ctx, StateReference state) => ctx.Features.Set(state);

    /// <inheritdoc />
    public override async ValueTask TransformRequestAsync(HttpContext ctx, HttpRequestMessage proxyRequest, string destinationPrefix,
        CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(ctx, proxyRequest, destinationPrefix, cancellationToken);
        var headers = proxyRequest.Headers;
        headers.Host = null; // the userpod's own address; the client's host goes in X-Forwarded-Host
        headers.ExpectContinue = null;
        var listed = ctx.Request.Headers.Connection;
        foreach (var name in ctx.Request.Headers.Keys)
        {
            if (IsDropped(name) || (listed.Count > 0 && IsListed(listed, name)))
            {
                // Each collection throws for the other's names (Expect on content, Content-* on the request).
                if (IsContentHeader(name)) proxyRequest.Content?.Headers.Remove(name);
                else headers.Remove(name);
            }
        }
        if (headers.NonValidated.TryGetValues("Cookie", out var cookies))
        {
            headers.Remove("Cookie");
            if (UidCookie.StripAll(cookies) is { } kept) headers.TryAddWithoutValidation("Cookie", kept);
        }
        foreach (var (name, value) in Added(ctx)) headers.TryAddWithoutValidation(name, value);

        // The target exactly as the client sent it (YARP would re-encode the decoded path).
        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is { Length: > 0 } && raw[0] == '/' && Uri.TryCreate(destinationPrefix + raw, UriKind.Absolute, out var uri))
            proxyRequest.RequestUri = uri;
    }

    /// <inheritdoc />
    public override async ValueTask<bool> TransformResponseAsync(HttpContext ctx, HttpResponseMessage? proxyResponse,
        CancellationToken cancellationToken)
    {
        var copy = await base.TransformResponseAsync(ctx, proxyResponse, cancellationToken);
        if (proxyResponse is not null && proxyResponse.Headers.NonValidated.TryGetValues("Connection", out var connection))
        {
            var listed = new StringValues([.. connection]);
            foreach (var name in ctx.Response.Headers.Keys.ToList())
                if (IsListed(listed, name)) ctx.Response.Headers.Remove(name);
        }
        return copy;
    }

    /// <summary>
    /// The headers a WebSocket upgrade carries upstream: the client's (Sec-WebSocket-* are the client library's
    /// own), filtered and completed by the same rules as HTTP.
    /// </summary>
    public static IEnumerable<(string Name, string Value)> WebSocketHeaders(HttpContext ctx)
    {
        var listed = ctx.Request.Headers.Connection;
        foreach (var (name, values) in ctx.Request.Headers)
        {
            if (IsDropped(name) || IsHopByHop(name) || name.Equals("Host", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase) || name.StartsWith(':')
                || (listed.Count > 0 && IsListed(listed, name)))
                continue;
            if (name.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
            {
                if (UidCookie.StripAll(values) is { } kept) yield return ("Cookie", kept);
                continue;
            }
            yield return (name, values.ToString());
        }
        foreach (var header in Added(ctx)) yield return header;
    }

    /// <summary>Client headers the router never believes nor forwards.</summary>
    static bool IsDropped(string name) =>
        name.StartsWith(Headers.Prefix, StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Forwarded", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Expect", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The headers <see cref="System.Net.Http.Headers.HttpContentHeaders"/> holds (YARP puts the client's there, the rest on
    /// the request).
    /// </summary>
    static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || name.Equals("Allow", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Expires", StringComparison.OrdinalIgnoreCase) || name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase);

    static bool IsHopByHop(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) || name.Equals("TE", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// What the router adds: the token, the user's state key and where its state is (the client's own were dropped, so
    /// a browser cannot point a userpod at another user's state), and the client as the router sees it, in both header
    /// families.
    /// </summary>
    static IEnumerable<(string, string)> Added(HttpContext ctx)
    {
        var route = ctx.Features.Get<RouteEntry>() ?? throw new InvalidOperationException("no route set for the request");
        var state = ctx.Features.Get<StateReference>() ?? throw new InvalidOperationException("no state set for the request");
        yield return (TokenHeader, route.Token);
        yield return (Headers.StateKey, state.UserKey);
        if (state.Url is not null) yield return (Headers.StateUrl, state.Url);
        if (ctx.Features.Get<SignedInUser>() is { } user) yield return (SignedInUser.HeaderName, user.HeaderValue());
        var ip = ctx.Connection.RemoteIpAddress;
        var scheme = ctx.Request.Scheme;
        var host = ctx.Request.Host.HasValue ? ctx.Request.Host.Value : null;
        if (ip is not null) yield return ("X-Forwarded-For", ip.ToString());
        yield return ("X-Forwarded-Proto", scheme);
        if (host is not null) yield return ("X-Forwarded-Host", host);
        // RFC 7239: IPv6 nodes are quoted and bracketed; host is quoted (it may carry a port).
        var forwarded = ip is null ? ""
            : ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"for=\"[{ip}]\";" : $"for={ip};";
        forwarded += $"proto={scheme}";
        if (host is not null) forwarded += $";host=\"{host}\"";
        yield return ("Forwarded", forwarded);
    }

    static bool IsListed(StringValues connection, string name)
    {
        foreach (var value in connection)
        {
            if (value is null) continue;
            foreach (var range in value.AsSpan().Split(','))
                if (value.AsSpan()[range].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
