using HTagKube.Routing;

namespace HTagKube.Router.Tests.RouteTables;

/// <summary>
/// A route table store that passes every call through, except that the next TTL read or the next put of one user can be
/// held. A test thereby puts a data loss, a request or a re-publish exactly between two steps of a sweep.
/// </summary>
public sealed class HeldStore(IRouteTable store) : IRouteTable
{
    /// <summary>One held call: signals from the store, releases from the test.</summary>
    public sealed class Hold(string userKey, bool isPut)
    {
        /// <summary>Whose call is held.</summary>
        public string UserKey { get; } = userKey;

        /// <summary>A put (else a TTL read).</summary>
        public bool IsPut { get; } = isPut;

        /// <summary>The call was made; it waits for <see cref="Read"/> before it reaches the store.</summary>
        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Set by the test: let the call reach the store.</summary>
        public TaskCompletionSource Read { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>What the store answered (a TTL read; null for a put); the answer waits for <see cref="Return"/>.</summary>
        public TaskCompletionSource<TimeSpan?> Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Set by the test: give the answer to the caller.</summary>
        public TaskCompletionSource Return { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Lets the call through to the end.</summary>
        public void Release()
        {
            Read.TrySetResult();
            Return.TrySetResult();
        }
    }

    Hold? _next;
    int _getsAnswered;

    /// <summary>Route reads the store has answered so far.</summary>
    public int GetsAnswered => Volatile.Read(ref _getsAnswered);

    /// <summary>Holds the next TTL read of <paramref name="userKey"/>.</summary>
    public Hold HoldNextTimeToLive(string userKey) => Arm(new Hold(userKey, isPut: false));

    /// <summary>Holds the next put of <paramref name="userKey"/>.</summary>
    public Hold HoldNextPut(string userKey) => Arm(new Hold(userKey, isPut: true));

    Hold Arm(Hold hold)
    {
        Volatile.Write(ref _next, hold);
        return hold;
    }

    Hold? Take(string userKey, bool isPut)
    {
        var held = Volatile.Read(ref _next);
        if (held is null || held.UserKey != userKey || held.IsPut != isPut) return null;
        return Interlocked.CompareExchange(ref _next, null, held) == held ? held : null;
    }

    /// <inheritdoc />
    public async Task<TimeSpan?> TimeToLiveAsync(string userKey, CancellationToken ct)
    {
        if (Take(userKey, isPut: false) is not { } held) return await store.TimeToLiveAsync(userKey, ct);
        held.Asked.SetResult();
        await held.Read.Task;
        var left = await store.TimeToLiveAsync(userKey, ct);
        held.Answered.SetResult(left);
        await held.Return.Task;
        return left;
    }

    /// <inheritdoc />
    public async Task PutAsync(string userKey, RouteEntry route, TimeSpan ttl, CancellationToken ct)
    {
        if (Take(userKey, isPut: true) is not { } held)
        {
            await store.PutAsync(userKey, route, ttl, ct);
            return;
        }
        held.Asked.SetResult();
        await held.Read.Task;
        await store.PutAsync(userKey, route, ttl, ct);
        held.Answered.SetResult(null);
        await held.Return.Task;
    }

    /// <inheritdoc />
    public async ValueTask<RouteEntry?> GetAsync(string userKey, CancellationToken ct)
    {
        var route = await store.GetAsync(userKey, ct);
        Interlocked.Increment(ref _getsAnswered);
        return route;
    }

    /// <inheritdoc />
    public event Action<string>? RouteExpired
    {
        add => store.RouteExpired += value;
        remove => store.RouteExpired -= value;
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string userKey, TimeSpan ttl, CancellationToken ct) => store.TouchAsync(userKey, ttl, ct);

    /// <inheritdoc />
    public Task<bool> RemoveAsync(string userKey, string? ifEndpoint, CancellationToken ct) => store.RemoveAsync(userKey, ifEndpoint, ct);

    /// <inheritdoc />
    public Task<bool> TryLockAsync(string userKey, string owner, TimeSpan lease, CancellationToken ct) =>
        store.TryLockAsync(userKey, owner, lease, ct);

    /// <inheritdoc />
    public Task UnlockAsync(string userKey, string owner, CancellationToken ct) => store.UnlockAsync(userKey, owner, ct);

    /// <inheritdoc />
    public Task<string> GetEpochAsync(CancellationToken ct) => store.GetEpochAsync(ct);

    /// <inheritdoc />
    public IAsyncEnumerable<KeyValuePair<string, RouteEntry>> ListAsync(CancellationToken ct) => store.ListAsync(ct);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => store.DisposeAsync();
}
