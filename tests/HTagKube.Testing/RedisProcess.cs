using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HTagKube.Testing;

/// <summary>A real redis-server process on a loopback port, without persistence (a restart loses all data).</summary>
public sealed class RedisProcess : IAsyncDisposable
{
    readonly Process _process;

    RedisProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>On a free port (another process may take the port between the pick and the bind: then another one).</summary>
    public static async Task<RedisProcess> StartAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            try { return await StartAsync(ServerProgram.FreePort()); }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException && attempt < 3) { }
        }
    }

    /// <summary>On <paramref name="port"/>, ready once it answers PING.</summary>
    public static async Task<RedisProcess> StartAsync(int port)
    {
        var psi = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new RedisProcess(process, port);
        try
        {
            await Eventually.True(async () =>
            {
                if (process.HasExited) throw new InvalidOperationException("redis-server exited");
                return await PingAsync(port);
            }, TimeSpan.FromSeconds(10), "redis-server answers PING");
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>Raw RESP PING (no client library involved).</summary>
    public static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\r\n"));
            var buffer = new byte[16];
            var n = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException) { return false; }
        catch (IOException) { return false; }
    }

    /// <summary>SIGKILL (no persistence: its data is gone).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
