namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>A real redis-server on a free loopback port, without persistence (a restart loses all data).</summary>
public sealed class RedisServer : IAsyncDisposable
{
    RedisProcess? _process;

    RedisServer(RedisProcess process) { _process = process; Port = process.Port; }

    public int Port { get; }

    /// <summary>StackExchange.Redis connection string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync() => new(await RedisProcess.StartAsync());

    /// <summary>Raw RESP PING (no client library involved).</summary>
    public Task<bool> PingAsync() => RedisProcess.PingAsync(Port);

    /// <summary>Kills the server (all data lost, as with no persistence) and starts it again on the same port.</summary>
    public async Task RestartAsync(TimeSpan downFor)
    {
        await StopAsync();
        await Task.Delay(downFor); // the outage itself is what the caller wants to exercise
        _process = await RedisProcess.StartAsync(Port);
    }

    public async Task StopAsync()
    {
        if (_process is null) return;
        await _process.DisposeAsync();
        _process = null;
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
                using var userpod = HTagKube.Router.Provisioning.UserpodProcess.TryAdopt(userKey, route);
                if (userpod is not null) await userpod.StopAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (HTagKube.Routing.RouteTableUnavailableException) { } // the test already stopped this server
    }
}
