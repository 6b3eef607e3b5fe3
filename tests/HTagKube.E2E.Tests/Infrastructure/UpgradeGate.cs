using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of the router that can hold back WebSocket upgrades: while closed, a connection
/// whose first request is <c>GET /_htag/ws</c> is accepted but not relayed, so the page's WebSocket stays
/// CONNECTING for as long as the test wants (a slow network or a loaded machine, on purpose). Everything else is
/// relayed at once, byte for byte.
/// </summary>
public sealed class UpgradeGate : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly Uri _target;
    readonly CancellationTokenSource _stop = new();
    readonly List<Task> _relays = [];
    TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _held;

    public UpgradeGate(Uri target)
    {
        _target = target;
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = AcceptAsync();
    }

    /// <summary>Where the browser goes instead of the router.</summary>
    public Uri BaseAddress { get; }

    /// <summary>WebSocket upgrades received and waiting for <see cref="Open"/>.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Lets held and future upgrades through.</summary>
    public void Open() => _open.TrySetResult();

    /// <summary>Holds future upgrades again.</summary>
    public void Close()
    {
        if (_open.Task.IsCompleted) _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_relays) _relays.Add(RelayAsync(client, _stop.Token));
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    async Task RelayAsync(TcpClient client, CancellationToken ct)
    {
        using var _ = client;
        try
        {
            var fromBrowser = client.GetStream();
            var first = new byte[16 * 1024];
            var n = await fromBrowser.ReadAsync(first, ct);
            if (n == 0) return;
            if (Encoding.ASCII.GetString(first, 0, Math.Min(n, 64)).StartsWith("GET /_htag/ws", StringComparison.Ordinal))
            {
                var gate = _open.Task;
                Interlocked.Increment(ref _held);
                try { await gate.WaitAsync(ct); }
                finally { Interlocked.Decrement(ref _held); }
            }
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(_target.Host, _target.Port, ct);
            var toRouter = upstream.GetStream();
            await toRouter.WriteAsync(first.AsMemory(0, n), ct);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var up = fromBrowser.CopyToAsync(toRouter, either.Token);
            var down = toRouter.CopyToAsync(fromBrowser, either.Token);
            await Task.WhenAny(up, down);
            await either.CancelAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] all;
        lock (_relays) all = [.. _relays];
        try { await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (TimeoutException) { }
        _stop.Dispose();
    }
}
