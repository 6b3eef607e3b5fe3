using System.Collections.Concurrent;

namespace HTagKube.Routing;

/// <summary>
/// A route table that keeps the routes this process published through it (a local-mode router on a shared Redis):
/// when the store's epoch changes (Redis lost its data) it puts them back, and it reports the ones that vanished as
/// expired, backing up the store's lossy expiry events. Every other call goes to the store unchanged. The operator
/// does not use it: its routes follow the HTagSessions (<c>SessionRoutes</c>).
/// A route missing from a store that lost its data is never reported expired (a local-mode router would stop a live
/// userpod): whoever finds the data loss first puts the routes back while every other look waits, and a sweep whose
/// reads straddle a data loss reports nothing.
/// </summary>
public sealed class RepublishingRouteTable : IRouteTable
{
    /// <summary>One put of this process; compared by reference, so a sweep never forgets a route put after it looked.</summary>
    sealed class Published(RouteEntry route, TimeSpan ttl)
    {
        public RouteEntry Route { get; } = route;
        public TimeSpan Ttl { get; } = ttl;
    }

    readonly IRouteTable _store;
    readonly ConcurrentDictionary<string, Published> _mine = new(StringComparer.Ordinal);
    readonly Timer? _sweepTimer;
    readonly SemaphoreSlim _sweeping = new(1, 1);
    readonly SemaphoreSlim _catchingUp = new(1, 1);
    string? _epoch; // the store epoch this process's routes are known to be in; written under _catchingUp
    int _disposed;

    /// <param name="store">The shared store (its expiry events are passed on).</param>
    /// <param name="sweepInterval">How often the epoch and this process's routes are checked;
    /// <see cref="Timeout.InfiniteTimeSpan"/>: never in the background, only by <see cref="SweepAsync"/> calls (tests).</param>
    public RepublishingRouteTable(IRouteTable store, TimeSpan sweepInterval)
    {
        _store = store;
        _store.RouteExpired += OnStoreExpired;
        // The first sweep at once records the epoch, so that a data loss from then on is noticed.
        if (sweepInterval != Timeout.InfiniteTimeSpan)
            _sweepTimer = new Timer(_ => _ = SweepAsync(), null, TimeSpan.Zero, sweepInterval);
    }

    /// <summary>The store underneath (e.g. the Redis one, whose connection other Redis users share).</summary>
    public IRouteTable Store => _store;

    /// <inheritdoc />
    public event Action<string>? RouteExpired;

    /// <summary>Background work (re-publishing, sweeps skipped during an outage), for logs and metrics.</summary>
    public event Action<string, Exception?>? Diagnostic;

    /// <summary>
    /// The route. A miss may be a data loss: then this process's routes are put back (by this call, or by the one that
    /// found the loss first, which this call waits for) and the route is read again.
    /// </summary>
    public async ValueTask<RouteEntry?> GetAsync(string userKey, CancellationToken ct)
    {
        var known = Volatile.Read(ref _epoch);
        var route = await _store.GetAsync(userKey, ct);
        if (route is not null) return route;
        return await CatchUpAsync(ct) == known ? null : await _store.GetAsync(userKey, ct);
    }

    /// <inheritdoc />
    public async Task PutAsync(string userKey, RouteEntry route, TimeSpan ttl, CancellationToken ct)
    {
        // The epoch the route goes into must be known before it goes in, or a data loss right after would pass unnoticed
        // (the background sweep's first run, which records it, may come late on a busy machine: CI run u2).
        if (Volatile.Read(ref _epoch) is null) await CatchUpAsync(ct);
        await _store.PutAsync(userKey, route, ttl, ct);
        _mine[userKey] = new Published(route, ttl);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string userKey, string? ifEndpoint, CancellationToken ct)
    {
        // Forgotten first, so that the sweep cannot report our own removal as an expiry.
        if (_mine.TryGetValue(userKey, out var mine) && (ifEndpoint is null || mine.Route.Endpoint == ifEndpoint))
            _mine.TryRemove(new KeyValuePair<string, Published>(userKey, mine));
        return await _store.RemoveAsync(userKey, ifEndpoint, ct);
    }

    /// <inheritdoc />
    public Task<TimeSpan?> TimeToLiveAsync(string userKey, CancellationToken ct) => _store.TimeToLiveAsync(userKey, ct);

    /// <inheritdoc />
    public Task<bool> TouchAsync(string userKey, TimeSpan ttl, CancellationToken ct) => _store.TouchAsync(userKey, ttl, ct);

    /// <inheritdoc />
    public Task<bool> TryLockAsync(string userKey, string owner, TimeSpan lease, CancellationToken ct) =>
        _store.TryLockAsync(userKey, owner, lease, ct);

    /// <inheritdoc />
    public Task UnlockAsync(string userKey, string owner, CancellationToken ct) => _store.UnlockAsync(userKey, owner, ct);

    /// <inheritdoc />
    public Task<string> GetEpochAsync(CancellationToken ct) => _store.GetEpochAsync(ct);

    /// <inheritdoc />
    public IAsyncEnumerable<KeyValuePair<string, RouteEntry>> ListAsync(CancellationToken ct) => _store.ListAsync(ct);

    void OnStoreExpired(string userKey)
    {
        _mine.TryRemove(userKey, out _);
        Raise(userKey);
    }

    void Raise(string userKey)
    {
        try { RouteExpired?.Invoke(userKey); }
        catch (Exception e) { Diagnostic?.Invoke("route expiry subscriber failed", e); }
    }

    /// <summary>
    /// The store's epoch, once this process's routes are known to be in it: when the epoch changed (the store lost its
    /// data), they are put back first. One caller at a time, so nobody sees the new epoch before the routes are back;
    /// the epoch is recorded only then, so a re-publish that failed is retried by the next caller.
    /// </summary>
    async Task<string> CatchUpAsync(CancellationToken ct)
    {
        // The usual case (nothing lost since) costs one read and waits for nobody.
        var known = Volatile.Read(ref _epoch);
        if (known is not null && await _store.GetEpochAsync(ct) == known) return known;
        await _catchingUp.WaitAsync(ct);
        try
        {
            var now = await _store.GetEpochAsync(ct);
            if (_epoch is not null && _epoch != now) await RepublishAsync(ct);
            Volatile.Write(ref _epoch, now);
            return now;
        }
        finally
        {
            _catchingUp.Release();
        }
    }

    async Task RepublishAsync(CancellationToken ct)
    {
        var routes = _mine.ToArray();
        await Task.WhenAll(routes.Select(r => _store.PutAsync(r.Key, r.Value.Route, r.Value.Ttl, ct)));
        Diagnostic?.Invoke($"route table epoch changed: re-published {routes.Length} routes", null);
    }

    /// <summary>
    /// One sweep: epoch check (re-publish after a data loss), then report our routes that vanished, unless the store
    /// lost its data while they were read (then they are being, or were just, put back).
    /// </summary>
    public async Task SweepAsync()
    {
        if (Volatile.Read(ref _disposed) != 0 || !await _sweeping.WaitAsync(0)) return;
        try
        {
            var epoch = await CatchUpAsync(CancellationToken.None);
            var mine = _mine.ToArray();
            var left = await Task.WhenAll(mine.Select(m => _store.TimeToLiveAsync(m.Key, CancellationToken.None)));
            if (left.All(l => l is not null) || await CatchUpAsync(CancellationToken.None) != epoch) return;
            for (var i = 0; i < mine.Length; i++)
            {
                if (left[i] is null && _mine.TryRemove(mine[i])) Raise(mine[i].Key);
            }
        }
        catch (RouteTableUnavailableException e)
        {
            Diagnostic?.Invoke("sweep skipped: route table unavailable", e); // an outage never counts as expiry
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
        if (_sweepTimer is not null) await _sweepTimer.DisposeAsync();
        await _sweeping.WaitAsync();
        _store.RouteExpired -= OnStoreExpired;
        await _store.DisposeAsync();
    }
}
