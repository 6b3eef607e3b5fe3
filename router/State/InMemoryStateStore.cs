using System.Collections.Concurrent;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.State;

/// <summary>
/// Documents in this router's memory (local mode without Redis): they live as long as the router process, and each
/// at most its retention without a read or write. Expiry is by <see cref="TimeProvider"/> (checked on every read, so
/// it never depends on the sweep); a periodic sweep frees what nobody reads again.
/// </summary>
public sealed class InMemoryStateStore : IStateStore
{
    readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    readonly TimeProvider _time;
    readonly ITimer _sweep;

    sealed record Entry(byte[] Document, DateTimeOffset Expires);

    /// <summary>Creates the store, sweeping expired documents every <paramref name="sweepInterval"/>.</summary>
    public InMemoryStateStore(TimeProvider time, TimeSpan sweepInterval)
    {
        _time = time;
        _sweep = time.CreateTimer(_ => Sweep(), null, sweepInterval, sweepInterval);
    }

    /// <summary>Documents held now, expired ones not yet swept included (tests).</summary>
    public int Count => _entries.Count;

    /// <inheritdoc />
    public Task<byte[]?> GetAsync(string userKey, TimeSpan retention, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Check(userKey);
        var now = _time.GetUtcNow();
        while (_entries.TryGetValue(userKey, out var entry))
        {
            if (entry.Expires <= now)
            {
                // Only this very entry: a write that raced in stays.
                _entries.TryRemove(new KeyValuePair<string, Entry>(userKey, entry));
                return Task.FromResult<byte[]?>(null);
            }
            // The read refreshes the retention unless a write replaced the entry meanwhile (then read that).
            if (_entries.TryUpdate(userKey, entry with { Expires = now + retention }, entry))
                return Task.FromResult<byte[]?>(entry.Document);
        }
        return Task.FromResult<byte[]?>(null);
    }

    /// <inheritdoc />
    public Task TouchAsync(string userKey, TimeSpan retention, CancellationToken ct) => GetAsync(userKey, retention, ct);

    /// <inheritdoc />
    public Task PutAsync(string userKey, ReadOnlyMemory<byte> document, TimeSpan retention, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Check(userKey);
        _entries[userKey] = new Entry(document.ToArray(), _time.GetUtcNow() + retention);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string userKey, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Check(userKey);
        return Task.FromResult(_entries.TryRemove(userKey, out var entry) && entry.Expires > _time.GetUtcNow());
    }

    /// <summary>The same rule as Redis's keys (<c>RouteKeys.State</c>): a uid must never become a key.</summary>
    static void Check(string userKey)
    {
        if (!UserKey.IsWellFormed(userKey)) throw new ArgumentException("not a userKey", nameof(userKey));
    }

    void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, entry) in _entries)
            if (entry.Expires <= now) _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _sweep.DisposeAsync();
}
