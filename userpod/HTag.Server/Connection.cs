using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>
/// One page's WebSocket to one instance: receive loop, limits, replies and pushes. <c>page</c> is the page's id
/// (htag.js, one per page load), the scope of its interaction numbers (<see cref="DeliveredInteractions"/>).
/// </summary>
sealed class Connection(WebSocket ws, Instance instance, HTagServer server, string page, string? adoptedFrom = null)
{
    readonly SemaphoreSlim _sendLock = new(1, 1);
    readonly RateLimit _rate = new(server.Options.MaxInteractionsPerSecond);
    readonly ParanoChannel? _parano = instance.Cipher is null ? null : new ParanoChannel(instance.Cipher, "");

    public async Task RunAsync(CancellationToken ct)
    {
        if (_parano is not null)
        {
            // Handshake under the empty binding, then every message is bound to this connection.
            var conn = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
            await TrySendAsync(new ServerMessage { Conn = conn }).ConfigureAwait(false);
            _parano.Rebind(instance.Runtime.InstanceId + ":" + conn);
        }
        instance.Attach(this);
        if (adoptedFrom is not null) await SendRootAsync(ct).ConfigureAwait(false);
        // Small at first: a message over it grows the buffer up to the app's limit, and a grown one is let go afterwards
        // (a 1 MiB limit must not cost 1 MiB per open page).
        var max = instance.Host.MaxMessageBytes;
        var buffer = new byte[Math.Min(max, SmallBuffer)];
        try
        {
            while (ws.State == WebSocketState.Open && !ct.IsCancellationRequested)
            {
                if (buffer.Length > SmallBuffer) buffer = new byte[SmallBuffer];
                var (length, problem, received) = await ReceiveAsync(buffer, max, ct).ConfigureAwait(false);
                buffer = received;
                if (problem == Problem.Closed)
                {
                    // Answer the peer's close frame: a clean close (1000) instead of a dropped connection (1006).
                    if (ws.State == WebSocketState.CloseReceived)
                        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct).ConfigureAwait(false);
                    break;
                }
                if (problem != Problem.None)
                {
                    await ClosePolicyAsync(problem == Problem.TooBig ? "message too big" : "text messages only", ct).ConfigureAwait(false);
                    break;
                }
                if (!_rate.TryTake())
                {
                    await ClosePolicyAsync("too many interactions", ct).ConfigureAwait(false);
                    break;
                }
                ClientMessage? msg;
                try { msg = JsonSerializer.Deserialize(buffer.AsSpan(0, length), WireJson.Default.ClientMessage); }
                catch (JsonException) { msg = null; }
                if (msg is not null && _parano is not null)
                {
                    msg = _parano.Open(msg, out var why);
                    if (msg is null)
                    {
                        server.Logger.LogWarning("app {App}: {Why}", instance.Host.Path, why);
                        await TrySendAsync(new ServerMessage { Err = why }).ConfigureAwait(false);
                        continue;
                    }
                }
                if (msg is null)
                {
                    await TrySendAsync(new ServerMessage { Err = "malformed message" }).ConfigureAwait(false);
                    continue;
                }
                if (msg.Hello is not null)
                {
                    await ResyncAsync(msg.Hello, ct).ConfigureAwait(false);
                    continue;
                }
                if (msg.N is { } n && !instance.Delivered.TryBegin(page, n))
                {
                    // A resend of one that already ran, its answer lost with the old socket: the current state instead.
                    await SendRootAsync(ct, ack: n).ConfigureAwait(false);
                    continue;
                }
                var reply = await Interactions.RunAsync(instance, msg, TrySendAsync, ct).ConfigureAwait(false);
                if (msg.N is not null) (reply ??= new ServerMessage()).Ack = msg.N;
                if (reply is not null) await TrySendAsync(reply).ConfigureAwait(false);
                if (instance.Runtime.Exited) instance.Host.Forget(instance);
            }
        }
        catch (WebSocketException) { /* the browser went away */ }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            instance.Detach(this);
        }
    }

    /// <summary>The whole app under its (new) instance id: the page swaps its app element and carries on.</summary>
    async Task SendRootAsync(CancellationToken ct, long? ack = null) =>
        await TrySendAsync(await instance.Runtime.RootMessageAsync(ct, ack).ConfigureAwait(false)).ConfigureAwait(false);

    async Task ResyncAsync(string seenInstance, CancellationToken ct)
    {
        if (seenInstance == adoptedFrom) return; // the page got the new instance's root on connect
        if (seenInstance != instance.Runtime.InstanceId || instance.Dropped)
        {
            await TrySendAsync(new ServerMessage { Reload = true }).ConfigureAwait(false);
            return;
        }
        await SendRootAsync(ct).ConfigureAwait(false);
    }

    enum Problem { None, Closed, TooBig, Binary }

    const int SmallBuffer = 16 * 1024;

    /// <summary>One whole message into <paramref name="buffer"/>, grown (doubling) up to <paramref name="max"/> bytes.</summary>
    async Task<(int, Problem, byte[])> ReceiveAsync(byte[] buffer, int max, CancellationToken ct)
    {
        var count = 0;
        while (true)
        {
            if (count == buffer.Length)
            {
                if (buffer.Length >= max) return (count, Problem.TooBig, buffer);
                Array.Resize(ref buffer, (int)Math.Min(max, buffer.Length * 2L));
            }
            var r = await ws.ReceiveAsync(buffer.AsMemory(count), ct).ConfigureAwait(false);
            if (r.MessageType == WebSocketMessageType.Close) return (0, Problem.Closed, buffer);
            if (r.MessageType == WebSocketMessageType.Binary) return (0, Problem.Binary, buffer);
            count += r.Count;
            if (r.EndOfMessage) return (count, Problem.None, buffer);
        }
    }

    async Task ClosePolicyAsync(string why, CancellationToken ct)
    {
        server.Logger.LogWarning("closing WebSocket of app {App}: {Why}", instance.Host.Path, why);
        try { await ws.CloseAsync(WebSocketCloseStatus.PolicyViolation, why, ct).ConfigureAwait(false); }
        catch (WebSocketException) { }
    }

    /// <summary>Sends a message; false when the socket is gone.</summary>
    public async Task<bool> TrySendAsync(ServerMessage msg)
    {
        if (ws.State != WebSocketState.Open) return false;
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (ws.State != WebSocketState.Open) return false;
            // Sealed inside the lock: sequence numbers must follow the order on the wire.
            var wire = _parano is null ? msg : _parano.Seal(msg);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(wire, WireJson.Default.ServerMessage);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await ws.SendAsync(bytes, WebSocketMessageType.Text, true, cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
        finally { _sendLock.Release(); }
    }

    /// <summary>Close status telling htag.js that another page replaced its instance: do not reconnect.</summary>
    public const WebSocketCloseStatus Replaced = (WebSocketCloseStatus)4001;

    /// <summary>Closes as replaced: the page stays, and reloads on its next event.</summary>
    public async Task CloseReplacedAsync()
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ws.CloseAsync(Replaced, "replaced by a newer page", cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
        finally { _sendLock.Release(); }
    }

    /// <summary>Tells the page its instance is gone, then closes.</summary>
    public async Task CloseWithReloadAsync()
    {
        await TrySendAsync(new ServerMessage { Reload = true }).ConfigureAwait(false);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "instance ended", cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
    }
}

/// <summary>Token bucket: <c>perSecond</c> sustained, bursts up to twice that.</summary>
sealed class RateLimit(int perSecond)
{
    readonly double _capacity = Math.Max(1, perSecond * 2);
    double _tokens = Math.Max(1, perSecond * 2);
    long _last = Environment.TickCount64;

    public bool TryTake()
    {
        var now = Environment.TickCount64;
        _tokens = Math.Min(_capacity, _tokens + (now - _last) / 1000.0 * perSecond);
        _last = now;
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}
