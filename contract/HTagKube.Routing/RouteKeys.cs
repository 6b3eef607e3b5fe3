using HTagKube.Routing.Identity;

namespace HTagKube.Routing;

/// <summary>The Redis key schema shared by router and operator (docs/design.md §5).</summary>
public static class RouteKeys
{
    /// <summary>Prefix of every route hash key; the suffix is the userKey.</summary>
    public const string RoutePrefix = "htagkube:route:";

    /// <summary>Random id; absent after a Redis data loss (then routes are re-published).</summary>
    public const string Epoch = "htagkube:epoch";

    /// <summary>Prefix of the short-lived provisioning locks (one per userKey).</summary>
    public const string LockPrefix = "htagkube:lock:";

    /// <summary>
    /// Sorted set of the users admitted under the live-session cap: userKey → end of its start reservation (ms, Redis time).
    /// Key name kept from before (<c>htagkube:sessions</c>): it holds admissions, not HTagSessions.
    /// </summary>
    public const string Admitted = "htagkube:sessions";

    /// <summary>Prefix of the per-client new-session counters; the suffix is a hash of the client IP.</summary>
    public const string RatePrefix = "htagkube:rate:";

    /// <summary>
    /// Prefix of a user's durable session document (a string, UTF-8 JSON, TTL = the retention); the suffix is the
    /// userKey. Kept by the router for the userpod (<c>HTagKube.Contract.StateProtocol</c>); it outlives the route.
    /// </summary>
    public const string StatePrefix = "htagkube:state:";

    /// <summary>
    /// Hash of the Ready warm pods the operator offers routers: pod name → "endpoint token". A router takes one for a new
    /// user in one atomic step (<see cref="WarmPodOffers"/>); the operator withdraws an offer before it uses the pod itself.
    /// </summary>
    public const string WarmOffers = "htagkube:warm";

    /// <summary>Hash field names of a route.</summary>
    public const string FieldEndpoint = "endpoint", FieldSession = "session", FieldToken = "token", FieldSince = "since";

    /// <summary>The route key of a userKey (validated: a uid must never become a key).</summary>
    public static string Route(string userKey)
    {
        if (!UserKey.IsWellFormed(userKey)) throw new ArgumentException("not a userKey", nameof(userKey));
        return RoutePrefix + userKey;
    }

    /// <summary>The provisioning lock key of a userKey.</summary>
    public static string Lock(string userKey)
    {
        if (!UserKey.IsWellFormed(userKey)) throw new ArgumentException("not a userKey", nameof(userKey));
        return LockPrefix + userKey;
    }

    /// <summary>The durable state key of a userKey.</summary>
    public static string State(string userKey)
    {
        if (!UserKey.IsWellFormed(userKey)) throw new ArgumentException("not a userKey", nameof(userKey));
        return StatePrefix + userKey;
    }

    /// <summary>The new-session counter key of a client (32 lowercase hex: a hash, never an address).</summary>
    public static string Rate(string clientKey)
    {
        if (clientKey.Length != 32 || !clientKey.All(c => char.IsAsciiDigit(c) || char.IsAsciiHexDigitLower(c)))
            throw new ArgumentException("not a client key", nameof(clientKey));
        return RatePrefix + clientKey;
    }

    /// <summary>The userKey of a route key, or null when <paramref name="key"/> is not a route key.</summary>
    public static string? UserKeyOf(string? key)
    {
        if (key is null || !key.StartsWith(RoutePrefix, StringComparison.Ordinal)) return null;
        var userKey = key[RoutePrefix.Length..];
        return UserKey.IsWellFormed(userKey) ? userKey : null;
    }
}
