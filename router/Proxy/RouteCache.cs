using System.Collections.Concurrent;
using HTagKube.Routing;

namespace HTagKube.Router.Proxy;

/// <summary>
/// Short-lived local copy of routes in front of a remote route table: saves a Redis round trip per request,
/// and keeps known users on their userpods while the table is unreachable. A stale entry is harmless: a dead
/// endpoint is detected on connect and re-resolved. With the in-memory table it is a pass-through.
/// </summary>
public sealed class RouteCache(IRouteTable table, TimeSpan freshFor)
{
    readonly ConcurrentDictionary<string, (RouteEntry Route, long At)> _entries = new(StringComparer.Ordinal);
    readonly long _freshMs = (long)freshFor.TotalMilliseconds;

    /// <summary>The route of a user (cached, or from the table).</summary>
    public async ValueTask<RouteEntry?> GetAsync(string userKey, CancellationToken ct)
    {
        if (_freshMs <= 0) return await table.GetAsync(userKey, ct);
        var now = Environment.TickCount64;
        var hasCached = _entries.TryGetValue(userKey, out var cached);
        if (hasCached && now - cached.At < _freshMs) return cached.Route;
        try
        {
            var route = await table.GetAsync(userKey, ct);
            if (route is null) _entries.TryRemove(userKey, out _);
            else _entries[userKey] = (route, now);
            return route;
        }
        catch (RouteTableUnavailableException) when (hasCached)
        {
            return cached.Route; // table down: the last known route is the best guess, and usually right
        }
    }

    /// <summary>Remembers a route just published.</summary>
    public void Set(string userKey, RouteEntry route)
    {
        if (_freshMs > 0) _entries[userKey] = (route, Environment.TickCount64);
    }

    /// <summary>Forgets a user's route (dead endpoint, expiry).</summary>
    public void Invalidate(string userKey) => _entries.TryRemove(userKey, out _);
}
