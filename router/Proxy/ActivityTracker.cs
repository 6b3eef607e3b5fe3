using System.Collections.Concurrent;
using HTagKube.Routing;
using HTagKube.Router.Hosting;
using HTagKube.Router.Metrics;
using HTagKube.Router.State;

namespace HTagKube.Router.Proxy;

/// <summary>
/// Refreshes a user's route TTL on user activity, at most once per interval per user (one route-table write),
/// in the background (<see cref="BackgroundWork"/>) so the request never waits on it. Also answers "idle for how
/// long" (coarse: interval).
/// </summary>
public sealed class ActivityTracker(IRouteTable table, TimeSpan ttl, TimeSpan interval, BackgroundWork background,
    RouterMetrics metrics, ILogger<ActivityTracker> log, IStateStore states, TimeSpan stateLifetime)
{
    readonly ConcurrentDictionary<string, long> _lastTouch = new(StringComparer.Ordinal);
    readonly long _intervalMs = (long)interval.TotalMilliseconds;

    /// <summary>Records activity; touches the route when the last touch is older than the interval.</summary>
    public void OnActivity(string userKey)
    {
        var now = Environment.TickCount64;
        if (_lastTouch.TryGetValue(userKey, out var last) && now - last < _intervalMs) return;
        _lastTouch[userKey] = now;
        background.Run("route TTL refresh", ct => TouchAsync(userKey, ct));
    }

    /// <summary>A route was just published with a full TTL: no touch needed for one interval.</summary>
    public void MarkFresh(string userKey) => _lastTouch[userKey] = Environment.TickCount64;

    /// <summary>Forgets a user (route expired or ended).</summary>
    public void Forget(string userKey) => _lastTouch.TryRemove(userKey, out _);

    /// <summary>Time since the last recorded touch, or null when unknown.</summary>
    public TimeSpan? IdleFor(string userKey) =>
        _lastTouch.TryGetValue(userKey, out var last) ? TimeSpan.FromMilliseconds(Environment.TickCount64 - last) : null;

    async Task TouchAsync(string userKey, CancellationToken ct)
    {
        try
        {
            await table.TouchAsync(userKey, ttl, ct);
            // An active user's state document must not expire under them while they change nothing in it.
            await states.TouchAsync(userKey, stateLifetime, ct);
        }
        catch (RouteTableUnavailableException e)
        {
            metrics.RouteTableError();
            _lastTouch.TryRemove(userKey, out _); // retry on the next activity
            log.LogWarning("route TTL refresh failed for {UserKey}: {Error}", userKey, e.Message);
        }
    }
}
