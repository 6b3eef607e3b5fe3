using System.Collections.Concurrent;

namespace HTagKube.Routing;

/// <summary>
/// A route table that keeps the routes this process published through it (a local-mode router on a shared Redis):
/// when the store's epoch changes (Redis lost its data) it puts them back, and it reports the ones that vanished as
/// expired, backing up the store's lossy expiry events. Every other call goes to the store unchanged. The operator
/// does not use it: its routes follow the HTagSessions (<c>SessionRoutes</c>).
/// </summary>
public sealed class RepublishingRouteTable : IRouteTable
{
    readonly IRouteTable _store;
    readonly ConcurrentDictionary<string, (RouteEntry Route, TimeSpan Ttl)> _mine = new(StringComparer.Ordinal);
    readonly Timer _sweepTimer;
    readonly SemaphoreSlim _sweeping = new(1, 1);
    string? _epoch;
    int _disposed;

    /// <param name="store">The shared store (its expiry events are passed on).</param>
    /// <param name="sweepInterval">How often the epoch and this process's routes are checked.</param>
    public RepublishingRouteTable(IRouteTable store, TimeSpan sweepInterval)
    {
        _store = store;
        _store.RouteExpired += OnStoreExpired;
        // The first sweep at once records the epoch, so that a data loss from then on is noticed.
        _sweepTimer = new Timer(_ => _ = SweepAsync(), null, TimeSpan.Zero, sweepInterval);
    }

    /// <summary>The store underneath (e.g. the Redis one, whose connection other Redis users share).</summary>
    public IRouteTable Store => _store;

    /// <inheritdoc />
    public event Action<string>? RouteExpired;

    /// <summary>Background work (re-publishing, sweeps skipped during an outage), for logs and metrics.</summary>
    public event Action<string, Exception?>? Diagnostic;

    /// <summary>The route; on a miss right after a data loss, this process's routes are put back first.</summary>
    public async ValueTask<RouteEntry?> GetAsync(string userKey, CancellationToken ct)
    {
        var route = await _store.GetAsync(userKey, ct);
        if (route is not null || !await EpochChangedAsync(ct)) return route;
        await RepublishAsync(ct);
        return await _store.GetAsync(userKey, ct);
    }

    /// <inheritdoc />
    public async Task PutAsync(string userKey, RouteEntry route, TimeSpan ttl, CancellationToken ct)
    {
        await _store.PutAsync(userKey, route, ttl, ct);
        _mine[userKey] = (route, ttl);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string userKey, string? ifEndpoint, CancellationToken ct)
    {
        // Forgotten first, so that the sweep cannot report our own removal as an expiry.
        if (_mine.TryGetValue(userKey, out var mine) && (ifEndpoint is null || mine.Route.Endpoint == ifEndpoint))
            _mine.TryRemove(new KeyValuePair<string, (RouteEntry, TimeSpan)>(userKey, mine));
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

    /// <summary>True (once) when the epoch differs from the one last seen: the store lost its data.</summary>
    async Task<bool> EpochChangedAsync(CancellationToken ct)
    {
        var now = await _store.GetEpochAsync(ct);
        var before = Interlocked.Exchange(ref _epoch, now);
        return before is not null && before != now;
    }

    async Task RepublishAsync(CancellationToken ct)
    {
        var routes = _mine.ToArray();
        await Task.WhenAll(routes.Select(r => _store.PutAsync(r.Key, r.Value.Route, r.Value.Ttl, ct)));
        Diagnostic?.Invoke($"route table epoch changed: re-published {routes.Length} routes", null);
    }

    /// <summary>One sweep: epoch check (re-publish after a data loss), then report our routes that vanished.</summary>
    public async Task SweepAsync()
    {
        if (Volatile.Read(ref _disposed) != 0 || !await _sweeping.WaitAsync(0)) return;
        try
        {
            if (await EpochChangedAsync(CancellationToken.None))
            {
                await RepublishAsync(CancellationToken.None);
                return;
            }
            var mine = _mine.ToArray();
            var left = await Task.WhenAll(mine.Select(m => _store.TimeToLiveAsync(m.Key, CancellationToken.None)));
            for (var i = 0; i < mine.Length; i++)
            {
                if (left[i] is not null) continue;
                var gone = new KeyValuePair<string, (RouteEntry, TimeSpan)>(mine[i].Key, mine[i].Value);
                if (_mine.TryRemove(gone)) Raise(mine[i].Key);
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
        await _sweepTimer.DisposeAsync();
        await _sweeping.WaitAsync();
        _store.RouteExpired -= OnStoreExpired;
        await _store.DisposeAsync();
    }
}
