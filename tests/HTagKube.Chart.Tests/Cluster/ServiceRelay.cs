using System.Net;
using System.Net.Sockets;

namespace HTagKube.Chart.Tests.Cluster;

/// <summary>
/// A cluster Service on a loopback origin of this machine (a free port), for a browser whose cookies and OpenID redirect
/// URIs need one: a TCP relay from 127.0.0.1 to the Service's ClusterIP, which the test cluster routes to from the host
/// (../shared/kube/README.md). It replaced <c>kubectl port-forward</c>, whose streams through the API server and the
/// kubelet reset a browser's first connection under CI's load (stop 30: the sign-in test's first page ended on
/// Chromium's error page). Each connection is relayed both ways until either side closes; disposing closes them all.
/// </summary>
public sealed class ServiceRelay : IAsyncDisposable
{
    readonly TcpListener _listener;
    readonly IPEndPoint _target;
    readonly CancellationTokenSource _stop = new();
    readonly Task _accepting;

    ServiceRelay(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:PORT/.</summary>
    public Uri Address { get; }

    public static async Task<ServiceRelay> StartAsync(Kube kube, string service, int port, CancellationToken ct)
    {
        var ip = (await kube.KubectlAsync(ct, "get", "svc", service, "-o", "jsonpath={.spec.clusterIP}")).Trim();
        return new ServiceRelay(new IPEndPoint(IPAddress.Parse(ip), port));
    }

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = RelayAsync(client);
        }
    }

    async Task RelayAsync(Socket client)
    {
        using var _ = client;
        using var upstream = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            connect.CancelAfter(TimeSpan.FromSeconds(30));
            await upstream.ConnectAsync(_target, connect.Token);
            await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // The browser sees the connection close, as it would from the Service itself.
        }
    }

    /// <summary>
    /// One direction until its end of stream, passed on as a half-close (the other direction stays open, as HTTP may
    /// need). A failure (a reset, the relay stopping) closes both sockets, which ends the other direction too.
    /// </summary>
    async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
