using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>A real redis-server on a free loopback port, without persistence (a restart loses all data).</summary>
public sealed class RedisServer : IAsyncDisposable
{
    Process? _process;

    public int Port { get; private set; }

    /// <summary>StackExchange.Redis connection string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer();
        for (var attempt = 0; ; attempt++)
        {
            server.Port = FreePort();
            try { await server.LaunchAsync(); return server; }
            catch (Exception) when (attempt < 3) { await server.StopAsync(); }
        }
    }

    async Task LaunchAsync()
    {
        var psi = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.True(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException("redis-server exited");
            return await PingAsync();
        }, TimeSpan.FromSeconds(10), "redis-server answers PING");
    }

    /// <summary>Raw RESP PING (no client library involved).</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\r\n"));
            var buffer = new byte[16];
            var n = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG");
        }
        catch (SocketException) { return false; }
        catch (IOException) { return false; }
    }

    /// <summary>Kills the server (all data lost, as with no persistence) and starts it again on the same port.</summary>
    public async Task RestartAsync(TimeSpan downFor)
    {
        await StopAsync();
        await Task.Delay(downFor); // the outage itself is what the caller wants to exercise
        await LaunchAsync();
    }

    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopUserpodsOfRoutesAsync();
        await StopAsync();
    }

    /// <summary>
    /// Routers in Redis mode leave assigned userpods running for the next router to re-adopt, so the test that
    /// owns this server stops them: every local route in it names one (token-checked, so a reused pid is safe).
    /// </summary>
    async Task StopUserpodsOfRoutesAsync()
    {
        if (_process is null || _process.HasExited) return;
        try
        {
            await using var table = await HTagKube.Routing.RedisRouteTable.ConnectAsync(Configuration);
            await foreach (var (userKey, route) in table.ListAsync(CancellationToken.None))
            {
                using var userpod = HTagKube.Router.Provisioning.LocalSession.TryAdopt(userKey, route);
                if (userpod is not null) await userpod.StopAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (HTagKube.Routing.RouteTableUnavailableException) { } // the test already stopped this server
    }
}
