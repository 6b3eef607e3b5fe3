namespace HTagKube.Router.State;

/// <summary>
/// The durable session documents the router keeps for userpods (<c>HTagKube.Contract.StateProtocol</c>), one per
/// userKey: they outlive the userpod for the retention, so a new userpod of the same user picks the session up again.
/// A key that is not a userKey throws <see cref="ArgumentException"/>.
/// <see cref="RedisStateStore"/> when the router has Redis, <see cref="InMemoryStateStore"/> otherwise (chosen by
/// <c>Backend/RouterBackend</c>). Keys are userKeys, never uids. Store failures surface as
/// <c>RouteTableUnavailableException</c>, as every Redis call of the router does.
/// </summary>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>
    /// The user's document, or null when none is kept (never written, deleted, or expired). A read pushes its expiry to
    /// now + <paramref name="retention"/>: a session in use is kept.
    /// </summary>
    Task<byte[]?> GetAsync(string userKey, TimeSpan retention, CancellationToken ct);

    /// <summary>Stores (replaces) the user's whole document, kept for <paramref name="retention"/> from now.</summary>
    Task PutAsync(string userKey, ReadOnlyMemory<byte> document, TimeSpan retention, CancellationToken ct);

    /// <summary>Pushes the expiry of the user's document, if one is kept, to now + <paramref name="retention"/> (the
    /// user is active: their document must not expire under them).</summary>
    Task TouchAsync(string userKey, TimeSpan retention, CancellationToken ct);

    /// <summary>Deletes the user's document. True when one was kept.</summary>
    Task<bool> DeleteAsync(string userKey, CancellationToken ct);
}
