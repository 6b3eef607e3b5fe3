using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using HTagKube.Routing;
using HTagKube.Router.Metrics;

namespace HTagKube.Router.Forwarding;

/// <summary>
/// Relays one WebSocket between the browser and a userpod: full duplex, one message frame at a time (a send
/// completes before the next receive, so a slow side slows the other: backpressure), close codes and reasons
/// passed both ways, either side closing or failing ends both.
/// </summary>
public sealed class WebSocketRelay(HttpMessageInvoker client, RouterMetrics metrics, int maxMessageBytes, ILogger<WebSocketRelay> log)
{
    const int BufferSize = 16 * 1024;
    static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connects upstream first (so a dead userpod can still be answered with an HTTP status), then accepts the
    /// client. <paramref name="onClientMessage"/> runs for every complete client→server message (user activity).
    /// </summary>
    public async ValueTask<ForwarderError> RelayAsync(HttpContext ctx, RouteEntry route, Action onClientMessage)
    {
        var aborted = ctx.RequestAborted;
        using var upstream = new ClientWebSocket();
        var options = upstream.Options;
        options.CollectHttpResponseDetails = true;
        options.KeepAliveInterval = TimeSpan.Zero; // the browser side keeps the connection alive
        options.SetRequestHeader(HeaderRules.TokenHeader, route.Token);
        foreach (var p in ctx.WebSockets.WebSocketRequestedProtocols) options.AddSubProtocol(p);
        foreach (var (name, values) in ctx.Request.Headers)
        {
            if (HeaderRules.SkipRequestHeader(name)) continue;
            if (name.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
            {
                if (HeaderRules.WithoutUid(values.ToString()) is { } cookie) options.SetRequestHeader("Cookie", cookie);
                continue;
            }
            if (name is "Origin" or "User-Agent" or "Accept-Language" or "Authorization")
                options.SetRequestHeader(name, values.ToString());
        }
        if (ctx.Connection.RemoteIpAddress is { } ip) options.SetRequestHeader("X-Forwarded-For", ip.ToString());
        options.SetRequestHeader("X-Forwarded-Proto", ctx.Request.Scheme);
        if (ctx.Request.Host.HasValue) options.SetRequestHeader("X-Forwarded-Host", ctx.Request.Host.Value);

        var target = ctx.Request.Path.ToUriComponent() + ctx.Request.QueryString.ToUriComponent();
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            connectTimeout.CancelAfter(TimeSpan.FromSeconds(10));
            await upstream.ConnectAsync(new Uri("ws://" + route.Endpoint + target), client, connectTimeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException or UriFormatException
                                      or System.Net.Sockets.SocketException)
        {
            if (aborted.IsCancellationRequested) return ForwarderError.ClientAborted;
            if (upstream.HttpStatusCode is var status && status != 0 && status != HttpStatusCode.SwitchingProtocols)
            {
                // The userpod answered but refused the upgrade: pass an error status on (404, 401…); a success
                // status without the upgrade is the userpod's protocol error (502).
                await HttpForwarder.WriteErrorAsync(ctx, (int)status >= 400 ? (int)status : StatusCodes.Status502BadGateway,
                    "WebSocket refused by the session.");
                return ForwarderError.None;
            }
            if (FindConnectFailure(e)) return ForwarderError.ConnectFailed;
            log.LogWarning("upstream WebSocket connect failed: {Error}", e.Message);
            return ForwarderError.UpstreamFailed; // the caller answers (502, or a new session if the route is dead)
        }

        using var browser = await ctx.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = upstream.SubProtocol,
            KeepAliveInterval = TimeSpan.FromSeconds(30),
        });
        metrics.WebSocketOpened();
        try
        {
            await RunAsync(browser, upstream, onClientMessage, aborted);
        }
        finally
        {
            metrics.WebSocketClosed();
        }
        return ForwarderError.None;
    }

    static bool FindConnectFailure(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (HttpForwarder.IsConnectFailure(x)) return true;
        return false;
    }

    async Task RunAsync(WebSocket browser, WebSocket upstream, Action onClientMessage, CancellationToken aborted)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var up = PumpAsync(browser, upstream, onClientMessage, cts.Token);
        var down = PumpAsync(upstream, browser, null, cts.Token);
        var first = await Task.WhenAny(up, down);
        // One side closed (its close was passed on) or failed: give the other side a moment to finish the
        // closing handshake, then cut everything.
        var other = first == up ? down : up;
        if (first.IsCompletedSuccessfully) await Task.WhenAny(other, Task.Delay(CloseTimeout, CancellationToken.None));
        await cts.CancelAsync();
        try { await other; } catch { /* cancelled or reset: already ending */ }
        browser.Abort();
        upstream.Abort();
    }

    async Task PumpAsync(WebSocket source, WebSocket destination, Action? onMessage, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long messageBytes = 0;
            while (true)
            {
                ValueWebSocketReceiveResult r;
                try { r = await source.ReceiveAsync(buffer.AsMemory(), ct); }
                catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
                {
                    // Source vanished without a close frame: close the other side as "going away".
                    await CloseQuietly(destination, WebSocketCloseStatus.EndpointUnavailable, "peer connection lost");
                    return;
                }
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await CloseQuietly(destination, source.CloseStatus ?? WebSocketCloseStatus.Empty, source.CloseStatusDescription);
                    return;
                }
                messageBytes += r.Count;
                if (messageBytes > maxMessageBytes)
                {
                    await CloseQuietly(source, WebSocketCloseStatus.MessageTooBig, "message too big");
                    await CloseQuietly(destination, WebSocketCloseStatus.MessageTooBig, "message too big");
                    return;
                }
                try { await destination.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, ct); }
                catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
                {
                    await CloseQuietly(source, WebSocketCloseStatus.EndpointUnavailable, "peer connection lost");
                    return;
                }
                if (r.EndOfMessage)
                {
                    messageBytes = 0;
                    if (onMessage is not null) { metrics.Interaction(); onMessage(); }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    static async Task CloseQuietly(WebSocket socket, WebSocketCloseStatus status, string? reason)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        try
        {
            using var cts = new CancellationTokenSource(CloseTimeout);
            await socket.CloseOutputAsync(status, status == WebSocketCloseStatus.Empty ? null : reason, cts.Token);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException) { }
    }
}
