using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>A real redis-server on a free loopback port, no persistence; killed on dispose.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    readonly Process _process;
    public int Port { get; }
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";
    public ConnectionMultiplexer Client { get; private set; } = null!;

    RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static async Task<RedisServer> StartAsync()
    {
        var port = FreePort();
        var psi = new ProcessStartInfo("/usr/bin/redis-server")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var server = new RedisServer(p, port);
        await Eventually.True(async () =>
        {
            try
            {
                server.Client = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true");
                return true;
            }
            catch (RedisConnectionException) { return false; }
        }, TimeSpan.FromSeconds(15), "redis-server answers");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
