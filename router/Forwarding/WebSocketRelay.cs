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
public sealed class WebSocketRelay(HttpMessageInvoker client, RouterMetrics metrics, int maxMessageBytes, TimeSpan upstreamPing,
    ILogger<WebSocketRelay> log)
{
    const int BufferSize = 16 * 1024;
    static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connects upstream first (so a dead userpod can still be answered with an HTTP status), then accepts the
    /// client. <paramref name="onClientMessage"/> runs for every complete client→server message (user activity).
    /// </summary>
    /// At <paramref name="closeAt"/> (the end of the user's login) the browser's socket is closed with 1001: htag.js
    /// reconnects, and the router answers the reconnect of a user no longer signed in with a reload (SignInGate).
    public async ValueTask<ForwardResult> RelayAsync(HttpContext ctx, RouteEntry route, Action onClientMessage,
        DateTimeOffset? closeAt = null)
    {
        var aborted = ctx.RequestAborted;
        using var upstream = new ClientWebSocket();
        var options = upstream.Options;
        options.CollectHttpResponseDetails = true;
        // Pings with a deadline: a userpod that stops answering (frozen, its node gone) fails the upstream socket,
        // and the browser's is closed with 1001, on which htag.js reconnects, instead of going silent forever.
        options.KeepAliveInterval = upstreamPing;
        options.KeepAliveTimeout = upstreamPing;
        foreach (var p in ctx.WebSockets.WebSocketRequestedProtocols) options.AddSubProtocol(p);
        UserpodTransformer.SetRoute(ctx, route);
        foreach (var (name, value) in UserpodTransformer.WebSocketHeaders(ctx)) options.SetRequestHeader(name, value);

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
            if (aborted.IsCancellationRequested) return ForwardResult.Done; // the client went away
            if (upstream.HttpStatusCode is var status && status != 0 && status != HttpStatusCode.SwitchingProtocols)
            {
                // The userpod answered but refused the upgrade: pass an error status on (404, 401…); a success
                // status without the upgrade is the userpod's protocol error (502).
                if ((int)status >= 400) await Proxy.Pages.WriteClientErrorAsync(ctx, (int)status, "WebSocket refused by the session.");
                else await Proxy.Pages.WriteBadGatewayAsync(ctx, "WebSocket refused by the session.");
                return ForwardResult.Done;
            }
            if (UserpodForwarder.IsConnectFailure(e)) return ForwardResult.ConnectFailed;
            log.LogWarning("upstream WebSocket connect failed: {Error}", e.Message);
            return ForwardResult.UpstreamFailed; // the caller answers (502, or a new session if the route is dead)
        }

        using var browser = await ctx.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = upstream.SubProtocol,
            KeepAliveInterval = TimeSpan.FromSeconds(30),
        });
        metrics.WebSocketOpened();
        try
        {
            await RunAsync(browser, upstream, onClientMessage, closeAt, aborted);
        }
        finally
        {
            metrics.WebSocketClosed();
        }
        return ForwardResult.Done;
    }

    async Task RunAsync(WebSocket browser, WebSocket upstream, Action onClientMessage, DateTimeOffset? closeAt, CancellationToken aborted)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var up = PumpAsync(browser, upstream, onClientMessage, cts.Token);
        var down = PumpAsync(upstream, browser, null, cts.Token);
        if (closeAt is { } end)
        {
            var wait = TimeSpan.FromMilliseconds(Math.Clamp((end - DateTimeOffset.UtcNow).TotalMilliseconds, 0, int.MaxValue - 1));
            var expiry = Task.Delay(wait, cts.Token);
            // The login ended first: close the browser's side; its close answer ends the relay the usual way.
            if (await Task.WhenAny(up, down, expiry) == expiry && expiry.IsCompletedSuccessfully)
                await CloseQuietly(browser, WebSocketCloseStatus.EndpointUnavailable, "login expired");
        }
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
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException
                                       or InvalidOperationException)
        {
            // the socket is gone either way
        }
    }
}
