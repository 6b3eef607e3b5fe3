using System.Collections.Concurrent;

namespace HTagKube.Routing;

/// <summary>
/// The embedded route table of local mode: same semantics as the Redis one, in one process.
/// Expired routes are invisible at once and reported by a periodic sweep.
/// </summary>
public sealed class InMemoryRouteTable : IRouteTable
{
    sealed class Slot(RouteEntry route, long expiresAt)
    {
        public readonly RouteEntry Route = route;
        public long ExpiresAt = expiresAt; // Environment.TickCount64 ms; written with Volatile
    }

    readonly ConcurrentDictionary<string, Slot> _routes = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, (string Owner, long ExpiresAt)> _locks = new(StringComparer.Ordinal);
    readonly string _epoch = Guid.NewGuid().ToString("N");
    readonly Timer _sweep;

    /// <inheritdoc />
    public event Action<string>? RouteExpired;

    /// <param name="sweepInterval">How often expired routes are reported (default 1 s).</param>
    public InMemoryRouteTable(TimeSpan? sweepInterval = null)
    {
        var every = sweepInterval ?? TimeSpan.FromSeconds(1);
        _sweep = new Timer(_ => Sweep(), null, every, every);
    }

    static long Now => Environment.TickCount64;

    /// <inheritdoc />
    public ValueTask<RouteEntry?> GetAsync(string userKey, CancellationToken ct)
    {
        if (_routes.TryGetValue(userKey, out var slot) && Volatile.Read(ref slot.ExpiresAt) > Now)
            return new ValueTask<RouteEntry?>(slot.Route);
        return new ValueTask<RouteEntry?>((RouteEntry?)null);
    }

    /// <inheritdoc />
    public Task PutAsync(string userKey, RouteEntry route, TimeSpan ttl, CancellationToken ct)
    {
        RouteKeys.Route(userKey); // validates the key shape, as Redis does
        _routes[userKey] = new Slot(route, Now + (long)ttl.TotalMilliseconds);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<TimeSpan?> TimeToLiveAsync(string userKey, CancellationToken ct)
    {
        var left = _routes.TryGetValue(userKey, out var slot) ? Volatile.Read(ref slot.ExpiresAt) - Now : 0;
        return Task.FromResult(left > 0 ? TimeSpan.FromMilliseconds(left) : (TimeSpan?)null);
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string userKey, TimeSpan ttl, CancellationToken ct)
    {
        if (!_routes.TryGetValue(userKey, out var slot) || Volatile.Read(ref slot.ExpiresAt) <= Now)
            return Task.FromResult(false);
        Volatile.Write(ref slot.ExpiresAt, Now + (long)ttl.TotalMilliseconds);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task<bool> RemoveAsync(string userKey, string? ifEndpoint, CancellationToken ct)
    {
        while (_routes.TryGetValue(userKey, out var slot))
        {
            if (ifEndpoint is not null && slot.Route.Endpoint != ifEndpoint) return Task.FromResult(false);
            if (_routes.TryRemove(new KeyValuePair<string, Slot>(userKey, slot)))
                return Task.FromResult(Volatile.Read(ref slot.ExpiresAt) > Now);
        }
        return Task.FromResult(false);
    }

    /// <inheritdoc />
    public Task<bool> TryLockAsync(string userKey, string owner, TimeSpan lease, CancellationToken ct)
    {
        var expires = Now + (long)lease.TotalMilliseconds;
        while (true)
        {
            if (_locks.TryAdd(userKey, (owner, expires))) return Task.FromResult(true);
            if (!_locks.TryGetValue(userKey, out var held)) continue;
            if (held.ExpiresAt > Now) return Task.FromResult(false);
            if (_locks.TryUpdate(userKey, (owner, expires), held)) return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task UnlockAsync(string userKey, string owner, CancellationToken ct)
    {
        if (_locks.TryGetValue(userKey, out var held) && held.Owner == owner)
            _locks.TryRemove(new KeyValuePair<string, (string, long)>(userKey, held));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<string> GetEpochAsync(CancellationToken ct) => Task.FromResult(_epoch);

    /// <inheritdoc />
    public async IAsyncEnumerable<KeyValuePair<string, RouteEntry>> ListAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await Task.CompletedTask;
        var now = Now;
        foreach (var (key, slot) in _routes)
        {
            ct.ThrowIfCancellationRequested();
            if (Volatile.Read(ref slot.ExpiresAt) > now) yield return new(key, slot.Route);
        }
    }

    void Sweep()
    {
        var now = Now;
        foreach (var (key, slot) in _routes)
        {
            if (Volatile.Read(ref slot.ExpiresAt) > now) continue;
            if (!_routes.TryRemove(new KeyValuePair<string, Slot>(key, slot))) continue;
            try { RouteExpired?.Invoke(key); }
            catch { /* a subscriber's failure must not stop the sweep; subscribers log their own errors */ }
        }
        foreach (var (key, held) in _locks)
            if (held.ExpiresAt <= now) _locks.TryRemove(new KeyValuePair<string, (string, long)>(key, held));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _sweep.DisposeAsync();
}
