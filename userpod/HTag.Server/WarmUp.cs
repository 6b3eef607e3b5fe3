using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using HTagKube.Contract;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>
/// Renders every mapped app once over a real loopback connection (page, then its WebSocket and a resync), so the
/// first real user of a warm-pool userpod meets compiled code: Kestrel's parser, the token check, each app's
/// constructor and render, the page writer, the WebSocket upgrade and the update serializer. The instances and
/// the session are discarded afterwards: the user gets fresh ones.
/// </summary>
static class WarmUp
{
    /// <summary>How long the whole warm-up may take before the server announces itself anyway.</summary>
    static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(HTagServer server, string listeningUrl, string? token, CancellationToken ct)
    {
        if (LoopbackEndpoint(listeningUrl) is not { } endpoint)
        {
            server.Logger.LogWarning("warm-up skipped: cannot reach {Url} over loopback", listeningUrl);
            return;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(Budget);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var warmed = 0;
        try
        {
            foreach (var host in server.Apps.Values)
            {
                if (host.Route is not null) continue; // a template has no one URL to render
                try
                {
                    var instanceId = await PageAsync(endpoint, host.Path, token, cts.Token).ConfigureAwait(false);
                    if (instanceId is not null && !host.HttpOnly)
                        await WebSocketAsync(endpoint, host, instanceId, token, cts.Token).ConfigureAwait(false);
                    if (instanceId is not null) warmed++;
                }
                catch (Exception e) when (!cts.IsCancellationRequested)
                {
                    // Warm-up only saves time: a failure leaves a working, merely colder, app.
                    server.Logger.LogWarning("warm-up of app {App}: {Reason}", host.Path, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            server.Logger.LogWarning("warm-up stopped after {Seconds} s", Budget.TotalSeconds);
        }
        finally
        {
            foreach (var host in server.Apps.Values) host.Reset();
            server.Session.Clear();
        }
        // Apps mapped on a route template are not counted: they have no one URL to render (their code is warmed by
        // the other apps only as far as it is shared).
        var renderable = server.Apps.Values.Count(h => h.Route is null);
        server.Logger.LogInformation("warm-up: {Warmed} of {Apps} apps rendered in {Ms:0} ms ({Templates} on route templates skipped)",
            warmed, renderable, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, server.Apps.Count - renderable);
    }

    /// <summary>GET the app's page on a fresh connection; the instance id it shows, or null (no page).</summary>
    static async Task<string?> PageAsync(IPEndPoint endpoint, string path, string? token, CancellationToken ct)
    {
        using var socket = await ConnectAsync(endpoint, ct).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {path} HTTP/1.1\r\nHost: localhost\r\n{TokenHeader(token)}Connection: close\r\n\r\n"), ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        const string marker = "data-htag-instance=\"";
        var at = response.IndexOf(marker, StringComparison.Ordinal);
        if (!response.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || at < 0) return null;
        var start = at + marker.Length;
        var end = response.IndexOf('"', start);
        return end > start ? response[start..end] : null;
    }

    /// <summary>Opens the page's WebSocket, asks for a resync (the whole root, as after a reconnect), closes.</summary>
    static async Task WebSocketAsync(IPEndPoint endpoint, AppHost host, string instanceId, string? token, CancellationToken ct)
    {
        using var socket = await ConnectAsync(endpoint, ct).ConfigureAwait(false);
        var stream = new NetworkStream(socket, ownsSocket: false);
        var target = $"/_htag/ws?app={Uri.EscapeDataString(host.Path)}&i={Uri.EscapeDataString(instanceId)}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {target} HTTP/1.1\r\nHost: localhost\r\n{TokenHeader(token)}Upgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: aHRhZy13YXJtLXVwLWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), ct).ConfigureAwait(false);
        if (!await ReadSwitchingProtocolsAsync(stream, ct).ConfigureAwait(false)) return;
        using var ws = WebSocket.CreateFromStream(stream,
            new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        var buffer = new byte[16 * 1024];
        if (!host.Parano)
        {
            // Parano pages talk encrypted only: for them the upgrade and the handshake message are the warm-up.
            var hello = Encoding.UTF8.GetBytes($"{{\"hello\":\"{instanceId}\"}}");
            await ws.SendAsync(hello, WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
        }
        ValueWebSocketReceiveResult r;
        do r = await ws.ReceiveAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
        while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);
        if (ws.State == WebSocketState.Open)
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "warm-up done", ct).ConfigureAwait(false);
    }

    /// <summary>Reads the upgrade response's head byte by byte (the frames that follow must stay in the stream).</summary>
    static async Task<bool> ReadSwitchingProtocolsAsync(NetworkStream stream, CancellationToken ct)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (head.Length < 8192)
        {
            if (await stream.ReadAsync(one, ct).ConfigureAwait(false) == 0) return false;
            head.Append((char)one[0]);
            if (head.Length >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
                return head.ToString().StartsWith("HTTP/1.1 101", StringComparison.Ordinal);
        }
        return false;
    }

    static async Task<Socket> ConnectAsync(IPEndPoint endpoint, CancellationToken ct)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try { await socket.ConnectAsync(endpoint, ct).ConfigureAwait(false); }
        catch { socket.Dispose(); throw; }
        return socket;
    }

    static string TokenHeader(string? token) => token is null ? "" : $"{Headers.Token}: {token}\r\n";

    /// <summary>
    /// A loopback address for one of Kestrel's bound URLs: <c>http://127.0.0.1:5000</c> as is, wildcard hosts
    /// (<c>http://[::]:8080</c>, <c>http://+:8080</c>, <c>http://0.0.0.0:8080</c>) through 127.0.0.1; null for https or other hosts.
    /// </summary>
    internal static IPEndPoint? LoopbackEndpoint(string url)
    {
        if (!Hosting.ListenAddresses.TryParse(url, out var host, out var port) || port == 0) return null;
        if (Hosting.ListenAddresses.IsWildcard(host) || host == "localhost") return new IPEndPoint(IPAddress.Loopback, port);
        if (!IPAddress.TryParse(host.Trim('[', ']'), out var ip) || !IPAddress.IsLoopback(ip)) return null;
        return new IPEndPoint(ip, port);
    }
}
