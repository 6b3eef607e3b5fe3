using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace HTagKube.Routing;

/// <summary>
/// The shared route table (docs/design.md §5): <c>htagkube:route:{userKey}</c> hashes with a TTL, the
/// <c>htagkube:epoch</c> key, keyspace <c>Ex</c> notifications plus a periodic sweep (pub/sub is lossy).
/// Routes this instance published are re-published when the epoch changes (Redis lost its data).
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
    readonly ConcurrentDictionary<string, (RouteEntry Route, TimeSpan Ttl)> _mine = new(StringComparer.Ordinal);
    readonly Timer _sweepTimer;
    readonly SemaphoreSlim _sweeping = new(1, 1);
    string? _epoch;
    int _disposed;

    /// <inheritdoc />
    public event Action<string>? RouteExpired;

    /// <summary>Background failures (sweep, notifications, re-publishing), for logs and metrics.</summary>
    public event Action<string, Exception?>? Diagnostic;

    RedisRouteTable(IConnectionMultiplexer mux, int dbIndex, TimeSpan sweepInterval)
    {
        _mux = mux;
        _dbIndex = dbIndex;
        _db = mux.GetDatabase(dbIndex);
        _sweepTimer = new Timer(_ => _ = SweepAsync(), null, sweepInterval, sweepInterval);
        _mux.ConnectionRestored += (_, _) => _ = EnableNotificationsAsync();
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
    /// <see cref="RouteTableUnavailableException"/>), subscribes to expiry events and records the epoch.
    /// </summary>
    public static async Task<RedisRouteTable> ConnectAsync(string configuration, TimeSpan? sweepInterval = null)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.AllowAdmin = true; // CONFIG SET notify-keyspace-events; refused on managed Redis, then the sweep alone works
        if (options.ConnectTimeout > 2000) options.ConnectTimeout = 2000;
        if (options.SyncTimeout > 2000) options.SyncTimeout = 2000;
        if (options.AsyncTimeout > 2000) options.AsyncTimeout = 2000;
        // While disconnected, fail at once (a 503 with Retry-After) instead of the 2.x+ default of queueing each call
        // until its timeout: a Redis outage must not stall every request for seconds. Reconnect every half second
        // rather than backing off exponentially, so routes are back soon after Redis is.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        var mux = await ConnectionMultiplexer.ConnectAsync(options);
        var table = new RedisRouteTable(mux, options.DefaultDatabase ?? 0, sweepInterval ?? TimeSpan.FromSeconds(1));
        await table.StartAsync();
        return table;
    }

    async Task StartAsync()
    {
        // Redis may be down, or not yet connected, at start: calls fail fast then, so subscribing (and the
        // keyspace-event setting, which a restarted Redis has forgotten too) is retried whenever a connection is
        // restored. Until then the sweep alone notices expiries.
        _mux.ConnectionRestored += (_, _) => _ = ListenForExpiriesAsync();
        await ListenForExpiriesAsync();
        try { _epoch = await GetEpochAsync(CancellationToken.None); }
        catch (RouteTableUnavailableException) { /* Redis down at start: the sweep records the epoch later */ }
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
            Diagnostic?.Invoke("cannot enable keyspace notifications; relying on the sweep", e);
        }
    }

    static RedisKey Key(string userKey) => RouteKeys.Route(userKey);

    /// <inheritdoc />
    public async ValueTask<RouteEntry?> GetAsync(string userKey, CancellationToken ct)
    {
        var key = Key(userKey);
        var route = Parse(await RedisCalls.Run(() => _db.HashGetAllAsync(key)));
        if (route is null && await EpochChangedAsync())
        {
            // Redis lost its data since we last looked: put back what we own, then answer again.
            await RepublishAsync();
            route = Parse(await RedisCalls.Run(() => _db.HashGetAllAsync(key)));
        }
        return route;
    }

    static RouteEntry? Parse(HashEntry[] fields)
    {
        var f = fields.ToStringDictionary();
        if (f.GetValueOrDefault(RouteKeys.FieldEndpoint) is not { Length: > 0 } endpoint || f.GetValueOrDefault(RouteKeys.FieldToken) is not { Length: > 0 } token)
            return null; // absent, half-written or foreign: no route
        return new RouteEntry(endpoint, f.GetValueOrDefault(RouteKeys.FieldSession) ?? "", token, ParseSince(f.GetValueOrDefault(RouteKeys.FieldSince)));
    }

    /// <summary><c>since</c> is ISO 8601 UTC (round-trip format); unix seconds are accepted too.</summary>
    static DateTimeOffset ParseSince(string? since)
    {
        if (since is null) return DateTimeOffset.UnixEpoch;
        if (long.TryParse(since, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unix)) return DateTimeOffset.FromUnixTimeSeconds(unix);
        return DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.UnixEpoch;
    }

    /// <inheritdoc />
    public async Task PutAsync(string userKey, RouteEntry route, TimeSpan ttl, CancellationToken ct)
    {
        await WriteAsync(userKey, route, ttl);
        _mine[userKey] = (route, ttl);
    }

    Task WriteAsync(string userKey, RouteEntry route, TimeSpan ttl) =>
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
        // Forget it first, so the sweep cannot report our own removal as an expiry.
        if (_mine.TryGetValue(userKey, out var mine) && (ifEndpoint is null || mine.Route.Endpoint == ifEndpoint))
            _mine.TryRemove(new KeyValuePair<string, (RouteEntry, TimeSpan)>(userKey, mine));
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
        return (string?)await RedisCalls.Run(() => _db.StringGetAsync(RouteKeys.Epoch)) ?? throw new RouteTableUnavailableException("epoch vanished");
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
        catch (Exception e) when (RedisCalls.IsUnavailable(e)) { throw new RouteTableUnavailableException("redis: " + e.Message, e); }
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
        var userKey = RouteKeys.UserKeyOf(key);
        if (userKey is null) return;
        _mine.TryRemove(userKey, out _);
        Raise(userKey);
    }

    void Raise(string userKey)
    {
        try { RouteExpired?.Invoke(userKey); }
        catch (Exception e) { Diagnostic?.Invoke("route expiry subscriber failed", e); }
    }

    /// <summary>True (once) when the epoch differs from the one last seen: Redis lost its data.</summary>
    async Task<bool> EpochChangedAsync()
    {
        var now = await GetEpochAsync(CancellationToken.None);
        var before = Interlocked.Exchange(ref _epoch, now);
        return before is not null && before != now;
    }

    async Task RepublishAsync()
    {
        var routes = _mine.ToArray();
        await Task.WhenAll(routes.Select(r => WriteAsync(r.Key, r.Value.Route, r.Value.Ttl)));
        Diagnostic?.Invoke($"redis epoch changed: re-published {routes.Length} routes", null);
    }

    /// <summary>One sweep: epoch check (re-publish after a data loss), then report our routes that vanished.</summary>
    public async Task SweepAsync()
    {
        if (Volatile.Read(ref _disposed) != 0 || !await _sweeping.WaitAsync(0)) return;
        try
        {
            if (await EpochChangedAsync())
            {
                await RepublishAsync();
                return;
            }
            var mine = _mine.ToArray();
            var exists = await Task.WhenAll(mine.Select(m => RedisCalls.Run(() => _db.KeyExistsAsync(Key(m.Key)))));
            for (var i = 0; i < mine.Length; i++)
            {
                if (exists[i]) continue;
                if (_mine.TryRemove(new KeyValuePair<string, (RouteEntry, TimeSpan)>(mine[i].Key, mine[i].Value))) Raise(mine[i].Key);
            }
        }
        catch (RouteTableUnavailableException e)
        {
            Diagnostic?.Invoke("sweep skipped: redis unavailable", e); // an outage never counts as expiry
        }
        finally
        {
            _sweeping.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _sweepTimer.DisposeAsync();
        await _sweeping.WaitAsync();
        await _mux.CloseAsync(allowCommandsToComplete: false);
        _mux.Dispose();
    }
}
