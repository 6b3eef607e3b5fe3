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

    /// <summary>The userKey of a route key, or null when <paramref name="key"/> is not a route key.</summary>
    public static string? UserKeyOf(string? key)
    {
        if (key is null || !key.StartsWith(RoutePrefix, StringComparison.Ordinal)) return null;
        var userKey = key[RoutePrefix.Length..];
        return UserKey.IsWellFormed(userKey) ? userKey : null;
    }
}
