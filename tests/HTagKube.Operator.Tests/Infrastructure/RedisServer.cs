using StackExchange.Redis;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>A real redis-server (<see cref="RedisProcess"/>: loopback, no persistence) and an admin connection to it; killed on dispose.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    readonly RedisProcess _process;

    RedisServer(RedisProcess process, ConnectionMultiplexer client) => (_process, Client) = (process, client);

    public int Port => _process.Port;

    /// <summary>StackExchange.Redis connection string for the programs under test.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>The test's own connection (admin: FLUSHALL, CONFIG).</summary>
    public ConnectionMultiplexer Client { get; }

    /// <summary>On a free port, or on <paramref name="port"/> (e.g. where a program already waits for it).</summary>
    public static async Task<RedisServer> StartAsync(int? port = null)
    {
        var process = port is { } p ? await RedisProcess.StartAsync(p) : await RedisProcess.StartAsync();
        return new(process, await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{process.Port},allowAdmin=true"));
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _process.DisposeAsync();
    }
}
