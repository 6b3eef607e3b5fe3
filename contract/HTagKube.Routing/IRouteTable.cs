namespace HTagKube.Routing;

/// <summary>
/// userKey → route, with an idle TTL (docs/design.md §5). Implementations: <see cref="InMemoryRouteTable"/>
/// (local mode, one router) and <see cref="RedisRouteTable"/> (several routers, the operator).
/// Errors of the backing store surface as <see cref="RouteTableUnavailableException"/>.
/// </summary>
public interface IRouteTable : IAsyncDisposable
{
    /// <summary>The route of a user, or null when there is none (or it expired).</summary>
    ValueTask<RouteEntry?> GetAsync(string userKey, CancellationToken ct);

    /// <summary>Publishes (or replaces) a route that expires after <paramref name="ttl"/> without a touch.</summary>
    Task PutAsync(string userKey, RouteEntry route, TimeSpan ttl, CancellationToken ct);

    /// <summary>How long the route has left before it expires without a touch; null when there is no route.</summary>
    Task<TimeSpan?> TimeToLiveAsync(string userKey, CancellationToken ct);

    /// <summary>Pushes the expiry of an existing route to now + <paramref name="ttl"/>. False when there is no route.</summary>
    Task<bool> TouchAsync(string userKey, TimeSpan ttl, CancellationToken ct);

    /// <summary>
    /// Removes the route. When <paramref name="ifEndpoint"/> is given, only if the stored route still points
    /// there (so a router holding a stale route never deletes a newer one). True when something was removed.
    /// </summary>
    Task<bool> RemoveAsync(string userKey, string? ifEndpoint, CancellationToken ct);

    /// <summary>
    /// Takes the provisioning lock of a user for at most <paramref name="lease"/>: of several routers racing
    /// on a user's first request, only the holder starts a userpod; the others wait for its route.
    /// </summary>
    Task<bool> TryLockAsync(string userKey, string owner, TimeSpan lease, CancellationToken ct);

    /// <summary>Releases the lock if <paramref name="owner"/> still holds it.</summary>
    Task UnlockAsync(string userKey, string owner, CancellationToken ct);

    /// <summary>
    /// The current epoch, created when absent. A changed epoch means the store lost its data: writers then
    /// re-publish the routes they own (implementations re-publish the ones this instance put).
    /// </summary>
    Task<string> GetEpochAsync(CancellationToken ct);

    /// <summary>Every live route (for re-adoption after a restart and for listings). Order is unspecified.</summary>
    IAsyncEnumerable<KeyValuePair<string, RouteEntry>> ListAsync(CancellationToken ct);

    /// <summary>
    /// Raised (at least once, possibly more, on a thread-pool thread) with the userKey of a route that
    /// expired or vanished. Never raised for an explicit <see cref="RemoveAsync"/> of this instance.
    /// </summary>
    event Action<string>? RouteExpired;
}

/// <summary>The backing store of a route table cannot be reached; callers answer 503, never crash.</summary>
public sealed class RouteTableUnavailableException(string message, Exception? inner = null)
    : Exception(message, inner);
