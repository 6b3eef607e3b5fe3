using HTagKube.Routing;
using StackExchange.Redis;

namespace HTagKube.Router.State;

/// <summary>
/// Documents as Redis strings under <c>htagkube:state:{userKey}</c> (<see cref="RouteKeys.State"/>), with the
/// retention as the key's TTL: set by every write, pushed by every read (GETEX), so Redis itself forgets a document
/// nobody used for that long, whichever router wrote it. On the route table's multiplexer (one per process).
/// </summary>
public sealed class RedisStateStore(IConnectionMultiplexer connection) : IStateStore
{
    IDatabase Db => connection.GetDatabase();

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string userKey, TimeSpan retention, CancellationToken ct)
    {
        var key = RouteKeys.State(userKey);
        var value = await RedisCalls.Run(() => Db.StringGetSetExpiryAsync(key, retention).WaitAsync(ct));
        return value.IsNull ? null : (byte[]?)value;
    }

    /// <inheritdoc />
    public Task PutAsync(string userKey, ReadOnlyMemory<byte> document, TimeSpan retention, CancellationToken ct)
    {
        var key = RouteKeys.State(userKey);
        return RedisCalls.Run(() => Db.StringSetAsync(key, document, retention).WaitAsync(ct));
    }

    /// <inheritdoc />
    public Task TouchAsync(string userKey, TimeSpan retention, CancellationToken ct)
    {
        var key = RouteKeys.State(userKey);
        return RedisCalls.Run(() => Db.KeyExpireAsync(key, retention).WaitAsync(ct));
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string userKey, CancellationToken ct)
    {
        var key = RouteKeys.State(userKey);
        return RedisCalls.Run(() => Db.KeyDeleteAsync(key).WaitAsync(ct));
    }

    /// <summary>The multiplexer belongs to the route table, which closes it.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
