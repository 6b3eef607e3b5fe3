using System.Globalization;
using StackExchange.Redis;

namespace HTagKube.Routing;

/// <summary>
/// The shared route table (docs/design.md §5), a plain store: <c>htagkube:route:{userKey}</c> hashes with a TTL, the
/// <c>htagkube:epoch</c> key, expiries reported from keyspace <c>Ex</c> notifications (lossy: whoever must not miss
/// one re-checks its own routes). What to do after a data loss belongs to the route's publisher: the operator's
/// <c>SessionRoutes</c>, a local-mode router's <see cref="RepublishingRouteTable"/>.
/// Works on the process's one multiplexer (<see cref="Connection"/>), which others may share.
/// </summary>
public sealed class RedisRouteTable : IRouteTable
{
    const string PutScript =
        "redis.call('DEL', KEYS[1]) " +
        "redis.call('HSET', KEYS[1], 'endpoint', ARGV[1], 'session', ARGV[2], 'token', ARGV[3], 'since', ARGV[4]) " +
        "redis.call('PEXPIRE', KEYS[1], ARGV[5]) return 1";
    const string RemoveIfScript =
        "if redis.call('HGET', KEYS[1], 'endpoint') == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
    const string UnlockScript =
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

    readonly IConnectionMultiplexer _mux;
    readonly IDatabase _db;
    readonly int _dbIndex;
    int _disposed;

    /// <inheritdoc />
    public event Action<string>? RouteExpired;

    /// <summary>Background failures (expiry notifications), for logs and metrics.</summary>
    public event Action<string, Exception?>? Diagnostic;

    RedisRouteTable(IConnectionMultiplexer mux, int dbIndex)
    {
        _mux = mux;
        _dbIndex = dbIndex;
        _db = mux.GetDatabase(dbIndex);
    }

    /// <summary>True while connected to Redis.</summary>
    public bool IsConnected => _mux.IsConnected;

    /// <summary>
    /// The multiplexer this table runs on: the process's one Redis connection, for other Redis users to share.
    /// The table owns it: disposing the table closes it.
    /// </summary>
    public IConnectionMultiplexer Connection => _mux;

    /// <summary>
    /// Connects (keeps retrying in the background if Redis is down: calls then fail fast with
    /// <see cref="RouteTableUnavailableException"/>) and subscribes to expiry events.
    /// </summary>
    public static async Task<RedisRouteTable> ConnectAsync(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        // CONFIG SET notify-keyspace-events; refused on managed Redis, then only the publishers' own re-checks see expiries.
        options.AllowAdmin = true;
        if (options.ConnectTimeout > 2000) options.ConnectTimeout = 2000;
        if (options.SyncTimeout > 2000) options.SyncTimeout = 2000;
        if (options.AsyncTimeout > 2000) options.AsyncTimeout = 2000;
        // While disconnected, fail at once (a 503 with Retry-After) instead of the 2.x+ default of queueing each call
        // until its timeout: a Redis outage must not stall every request for seconds. Reconnect every half second
        // rather than backing off exponentially, so routes are back soon after Redis is.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        var mux = await ConnectionMultiplexer.ConnectAsync(options);
        var table = new RedisRouteTable(mux, options.DefaultDatabase ?? 0);
        // Redis may be down, or not yet connected, at start: calls fail fast then, so subscribing (and the
        // keyspace-event setting, which a restarted Redis has forgotten too) is retried whenever a connection is
        // restored.
        mux.ConnectionRestored += (_, _) => _ = table.ListenForExpiriesAsync();
        await table.ListenForExpiriesAsync();
        return table;
    }

    readonly SemaphoreSlim _listening = new(1, 1);
    bool _subscribed; // under _listening; once confirmed, the client itself resubscribes after reconnects

    async Task ListenForExpiriesAsync()
    {
        await _listening.WaitAsync();
        try
        {
            if (!_subscribed)
            {
                var channel = RedisChannel.Literal($"__keyevent@{_dbIndex}__:expired");
                var subscriber = _mux.GetSubscriber();
                // A failed attempt may have left its handler registered: drop it locally so events come once.
                await subscriber.UnsubscribeAsync(channel, OnExpiredMessage, CommandFlags.FireAndForget);
                await subscriber.SubscribeAsync(channel, OnExpiredMessage);
                _subscribed = true;
            }
            await EnableNotificationsAsync();
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            Diagnostic?.Invoke("expiry events not subscribed yet (Redis unreachable); retrying on reconnect", e);
        }
        finally { _listening.Release(); }
    }

    void OnExpiredMessage(RedisChannel _, RedisValue key) => OnExpiredKey(key);

    async Task EnableNotificationsAsync()
    {
        try
        {
            foreach (var endpoint in _mux.GetEndPoints())
            {
                var server = _mux.GetServer(endpoint);
                if (!server.IsConnected) continue;
                var current = (await server.ConfigGetAsync("notify-keyspace-events")).FirstOrDefault().Value ?? "";
                // Keep what others (the operator) enabled; add keyevent (E) + expired (x).
                var wanted = current;
                if (!wanted.Contains('E')) wanted += "E";
                if (!wanted.Contains('x') && !wanted.Contains('A')) wanted += "x";
                if (wanted != current) await server.ConfigSetAsync("notify-keyspace-events", wanted);
            }
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or RedisServerException)
        {
            Diagnostic?.Invoke("cannot enable keyspace notifications; expiries are seen only by re-checks", e);
        }
    }

    static RedisKey Key(string userKey) => RouteKeys.Route(userKey);

    /// <inheritdoc />
    public async ValueTask<RouteEntry?> GetAsync(string userKey, CancellationToken ct) =>
        Parse(await RedisCalls.Run(() => _db.HashGetAllAsync(Key(userKey))));

    static RouteEntry? Parse(HashEntry[] fields)
    {
        var f = fields.ToStringDictionary();
        if (f.GetValueOrDefault(RouteKeys.FieldEndpoint) is not { Length: > 0 } endpoint
            || f.GetValueOrDefault(RouteKeys.FieldToken) is not { Length: > 0 } token)
            return null; // absent, half-written or foreign: no route
        return new RouteEntry(endpoint, f.GetValueOrDefault(RouteKeys.FieldSession) ?? "", token,
            ParseSince(f.GetValueOrDefault(RouteKeys.FieldSince)));
    }

    /// <summary><c>since</c> is ISO 8601 UTC (round-trip format); unix seconds are accepted too.</summary>
    static DateTimeOffset ParseSince(string? since)
    {
        if (since is null) return DateTimeOffset.UnixEpoch;
        if (long.TryParse(since, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unix))
            return DateTimeOffset.FromUnixTimeSeconds(unix);
        return DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t : DateTimeOffset.UnixEpoch;
    }

    /// <inheritdoc />
    public Task PutAsync(string userKey, RouteEntry route, TimeSpan ttl, CancellationToken ct) =>
        RedisCalls.Run(() => _db.ScriptEvaluateAsync(PutScript, [Key(userKey)],
        [
            route.Endpoint, route.Session, route.Token,
            route.Since.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ((long)Math.Max(1, ttl.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture),
        ]));

    /// <inheritdoc />
    public Task<TimeSpan?> TimeToLiveAsync(string userKey, CancellationToken ct) =>
        RedisCalls.Run(() => _db.KeyTimeToLiveAsync(Key(userKey)).WaitAsync(ct));

    /// <inheritdoc />
    public Task<bool> TouchAsync(string userKey, TimeSpan ttl, CancellationToken ct) =>
        RedisCalls.Run(() => _db.KeyExpireAsync(Key(userKey), ttl));

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string userKey, string? ifEndpoint, CancellationToken ct)
    {
        var key = Key(userKey);
        if (ifEndpoint is null) return await RedisCalls.Run(() => _db.KeyDeleteAsync(key));
        var removed = await RedisCalls.Run(() => _db.ScriptEvaluateAsync(RemoveIfScript, [key], [ifEndpoint]));
        return (long)removed == 1;
    }

    /// <inheritdoc />
    public Task<bool> TryLockAsync(string userKey, string owner, TimeSpan lease, CancellationToken ct) =>
        RedisCalls.Run(() => _db.StringSetAsync(RouteKeys.Lock(userKey), owner, lease, When.NotExists));

    /// <inheritdoc />
    public Task UnlockAsync(string userKey, string owner, CancellationToken ct) =>
        RedisCalls.Run(() => _db.ScriptEvaluateAsync(UnlockScript, [(RedisKey)RouteKeys.Lock(userKey)], [owner]));

    /// <inheritdoc />
    public async Task<string> GetEpochAsync(CancellationToken ct)
    {
        var current = (string?)await RedisCalls.Run(() => _db.StringGetAsync(RouteKeys.Epoch));
        if (current is not null) return current;
        await RedisCalls.Run(() => _db.StringSetAsync(RouteKeys.Epoch, Guid.NewGuid().ToString("N"), null, When.NotExists));
        return (string?)await RedisCalls.Run(() => _db.StringGetAsync(RouteKeys.Epoch))
            ?? throw new RouteTableUnavailableException("epoch vanished");
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<KeyValuePair<string, RouteEntry>> ListAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var keys = new List<RedisKey>();
        try
        {
            foreach (var endpoint in _mux.GetEndPoints())
            {
                var server = _mux.GetServer(endpoint);
                if (server.IsReplica || !server.IsConnected) continue;
                await foreach (var key in server.KeysAsync(_dbIndex, RouteKeys.RoutePrefix + "*", 250).WithCancellation(ct))
                    keys.Add(key);
            }
        }
        catch (Exception e) when (RedisCalls.IsUnavailable(e))
        {
            throw new RouteTableUnavailableException("redis: " + e.Message, e);
        }
        foreach (var key in keys)
        {
            ct.ThrowIfCancellationRequested();
            var userKey = RouteKeys.UserKeyOf(key);
            if (userKey is null) continue;
            var route = Parse(await RedisCalls.Run(() => _db.HashGetAllAsync(key)));
            if (route is not null) yield return new(userKey, route);
        }
    }

    void OnExpiredKey(RedisValue key)
    {
        if (RouteKeys.UserKeyOf(key) is not { } userKey) return;
        try { RouteExpired?.Invoke(userKey); }
        catch (Exception e) { Diagnostic?.Invoke("route expiry subscriber failed", e); }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _mux.CloseAsync(allowCommandsToComplete: false);
        _mux.Dispose();
    }
}
