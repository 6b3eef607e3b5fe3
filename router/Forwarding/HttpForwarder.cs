using System.Buffers;
using System.Net;
using System.Net.Sockets;
using HTagKube.Routing;
using Microsoft.AspNetCore.Http.Features;

namespace HTagKube.Router.Forwarding;

/// <summary>
/// Forwards one HTTP request to a userpod and streams the response back (one job, like YARP's IHttpForwarder):
/// hop-by-hop headers dropped, client <c>X-HTag-*</c> stripped, token and <c>X-Forwarded-*</c> added, bodies
/// streamed both ways, the client's abort cancels the upstream call.
/// </summary>
public sealed class HttpForwarder(HttpMessageInvoker client, TimeSpan upstreamTimeout, ILogger<HttpForwarder> log)
{
    const int BufferSize = 64 * 1024;

    /// <summary>
    /// Sends the request. On ConnectFailed, UpstreamFailed and UpstreamTimeout nothing was written (the caller
    /// answers or retries; a retry is safe when BodyStarted is false). Failures after the response started
    /// abort the client connection.
    /// </summary>
    public async ValueTask<(ForwarderError Error, bool BodyStarted)> SendAsync(HttpContext ctx, RouteEntry route)
    {
        var aborted = ctx.RequestAborted;
        HttpRequestMessage request;
        try
        {
            request = CreateRequest(ctx, route, out _);
        }
        catch (UriFormatException)
        {
            await WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, "Bad request target.");
            return (ForwarderError.BadRequest, false);
        }

        var content = request.Content as StreamCopyContent;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(upstreamTimeout);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, timeout.Token);
        }
        // A raw SocketException escapes SocketsHttpHandler when the peer dies while connecting (ENOTCONN): it is
        // an upstream failure the caller probes (dead route or not), never an unhandled error.
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or SocketException)
        {
            request.Dispose();
            if (content?.ClientError is Microsoft.AspNetCore.Http.BadHttpRequestException bad)
            {
                // The client's body broke a limit (413) or the framing: its fault, not the userpod's.
                await WriteErrorAsync(ctx, bad.StatusCode, bad.StatusCode == 413 ? "Request body too large." : "Bad request body.");
                return (ForwarderError.BadRequest, true);
            }
            var bodyStarted = content?.Started ?? false;
            if (aborted.IsCancellationRequested || content?.ClientError is not null) return (ForwarderError.ClientAborted, bodyStarted);
            if (e is OperationCanceledException) return (ForwarderError.UpstreamTimeout, bodyStarted);
            if (IsConnectFailure(e)) return (ForwarderError.ConnectFailed, bodyStarted);
            log.LogWarning("upstream request failed: {Error}", e.Message);
            return (ForwarderError.UpstreamFailed, bodyStarted);
        }

        using (request)
        using (response)
        {
            CopyResponseHeaders(ctx, response);
            ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            return (await CopyResponseBodyAsync(ctx, response, aborted), true);
        }
    }

    /// <summary>True when the failure happened while connecting (the userpod is gone), not mid-exchange.</summary>
    public static bool IsConnectFailure(Exception e) =>
        e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }

        || e is HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } };

    static HttpRequestMessage CreateRequest(HttpContext ctx, RouteEntry route, out bool hasBody)
    {
        var req = ctx.Request;
        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var target = raw is { Length: > 0 } && raw[0] == '/' ? raw : req.Path.ToUriComponent() + req.QueryString.ToUriComponent();
        var message = new HttpRequestMessage(HttpMethod.Parse(req.Method), new Uri("http://" + route.Endpoint + target))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        hasBody = ctx.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? req.ContentLength > 0;
        if (hasBody) message.Content = new StreamCopyContent(req.Body, req.ContentLength, ctx.RequestAborted);

        var connection = req.Headers.Connection;
        foreach (var (name, values) in req.Headers)
        {
            if (HeaderRules.SkipRequestHeader(name)) continue;
            if (connection.Count > 0 && HeaderRules.ListedInConnection(connection, name)) continue;
            if (name.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
            {
                var cookie = HeaderRules.WithoutUid(values.ToString());
                if (cookie is not null) message.Headers.TryAddWithoutValidation("Cookie", cookie);
                continue;
            }
            // Content-* headers belong on the content; TryAdd refuses them on the request.
            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
        AddForwardedHeaders(ctx, message.Headers);
        message.Headers.TryAddWithoutValidation(HeaderRules.TokenHeader, route.Token);
        return message;
    }

    /// <summary>Sets X-Forwarded-For/Proto/Host from the router's view of the client.</summary>
    public static void AddForwardedHeaders(HttpContext ctx, System.Net.Http.Headers.HttpHeaders headers)
    {
        if (ctx.Connection.RemoteIpAddress is { } ip) headers.TryAddWithoutValidation("X-Forwarded-For", ip.ToString());
        headers.TryAddWithoutValidation("X-Forwarded-Proto", ctx.Request.Scheme);
        if (ctx.Request.Host.HasValue) headers.TryAddWithoutValidation("X-Forwarded-Host", ctx.Request.Host.Value);
    }

    static void CopyResponseHeaders(HttpContext ctx, HttpResponseMessage response)
    {
        var res = ctx.Response;
        res.StatusCode = (int)response.StatusCode;
        var connection = response.Headers.TryGetValues("Connection", out var listed) ? new Microsoft.Extensions.Primitives.StringValues(listed.ToArray()) : default;
        Copy(res.Headers, response.Headers, connection);
        Copy(res.Headers, response.Content.Headers, connection);
        // Kestrel frames the body itself (chunked or by Content-Length).
        res.Headers.Remove("Transfer-Encoding");

        static void Copy(IHeaderDictionary target, System.Net.Http.Headers.HttpHeaders source, Microsoft.Extensions.Primitives.StringValues connection)
        {
            foreach (var header in source.NonValidated)
            {
                if (HeaderRules.SkipResponseHeader(header.Key)) continue;
                if (connection.Count > 0 && HeaderRules.ListedInConnection(connection, header.Key)) continue;
                var values = header.Value.Count == 1 ? new Microsoft.Extensions.Primitives.StringValues(header.Value.ToString())
                    : new Microsoft.Extensions.Primitives.StringValues(header.Value.ToArray());
                if (header.Key.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
                    target.Append(header.Key, values); // keep the router's own uid cookie
                else
                    target[header.Key] = values;
            }
        }
    }

    async ValueTask<ForwarderError> CopyResponseBodyAsync(HttpContext ctx, HttpResponseMessage response, CancellationToken aborted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var upstream = await response.Content.ReadAsStreamAsync(aborted);
            var body = ctx.Response.Body;
            while (true)
            {
                int n;
                try { n = await upstream.ReadAsync(buffer.AsMemory(0, BufferSize), aborted); }
                catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
                {
                    if (aborted.IsCancellationRequested) return ForwarderError.ClientAborted;
                    log.LogWarning("upstream response body failed: {Error}", e.Message);
                    ctx.Abort(); // the client must not take a truncated body for a whole one
                    return ForwarderError.UpstreamFailed;
                }
                if (n == 0) break;
                try { await body.WriteAsync(buffer.AsMemory(0, n), aborted); }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    return ForwarderError.ClientAborted; // disposing the response cancels the upstream stream
                }
            }
            await ctx.Response.CompleteAsync();
            return ForwarderError.None;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// True when nothing accepts connections at the endpoint any more: tells a dead userpod (its pooled
    /// connection was reset) from a live one that failed a request.
    /// </summary>
    public static async Task<bool> IsDeadAsync(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon < 0 || !IPAddress.TryParse(endpoint.AsSpan(0, colon), out var ip) || !int.TryParse(endpoint.AsSpan(colon + 1), out var port))
            return false;
        using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(ip, port), cts.Token);
            return false;
        }
        catch (SocketException e) { return e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable; }
        catch (OperationCanceledException) { return false; } // slow, not provably dead
    }

    /// <summary>Writes a short error page when the response has not started.</summary>
    public static async Task WriteErrorAsync(HttpContext ctx, int status, string message)
    {
        if (ctx.Response.HasStarted) { ctx.Abort(); return; }
        // No Response.Clear(): it would drop the uid cookie the router may have just issued.
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store";
        try { await ctx.Response.WriteAsync(message + "\n", ctx.RequestAborted); }
        catch (Exception e) when (e is IOException or OperationCanceledException) { }
    }
}
