using System.Diagnostics.Metrics;
using Prometheus;

namespace HTagKube.Router.Metrics;

/// <summary>
/// The router's instruments (System.Diagnostics.Metrics), exported on <c>/metrics</c> by prometheus-net from its
/// own registry (one per router, so routers in one process never mix). The meter is named <c>HTagKube</c> and the
/// instruments carry the rest of the documented name: prometheus-net exports <c>{meter}_{instrument}</c>
/// lowercased, so the names stay <c>htagkube_…</c>. Parts that own a current value (live sessions, the warm pool)
/// register their own observable gauge on <see cref="Meter"/>.
/// </summary>
public sealed class RouterMetrics : IDisposable
{
    /// <summary>Meter name: the <c>htagkube_</c> prefix of every exported name.</summary>
    public const string MeterName = "HTagKube";

    static readonly double[] StartBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

    readonly IDisposable _adapter;
    readonly Counter<long> _proxied, _sessionsStarted, _spawnFailures, _rejected, _wsOpened, _interactions, _routeTableErrors,
        _deadRoutes, _upstreamErrors, _stateReads, _stateWrites, _stateRefused, _warmClaims, _warmMisses, _warmDeaths, _warmFailures;
    int _wsOpen;
    readonly Histogram<double> _spawnDuration, _warmRefill;

    /// <summary>Creates the meter and starts exporting it (listening before the first measurement: none is lost).</summary>
    public RouterMetrics()
    {
        Meter = new Meter(MeterName);
        Registry = Prometheus.Metrics.NewCustomRegistry();
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            InstrumentFilterPredicate = i => ReferenceEquals(i.Meter, Meter),
            Registry = Registry,
            MetricFactory = Prometheus.Metrics.WithCustomRegistry(Registry),
            ResolveHistogramBuckets = _ => StartBuckets,
            // prometheus-net drops a series unchanged this long (1 day at most); a total that comes back later restarts
            // at its next event, which PromQL's rate() reads as a counter reset. Observable gauges never expire.
            MetricsExpireAfter = TimeSpan.FromDays(1),
        });
        _sessionsStarted = Counter("sessions_started_total", "Userpods started.");
        _spawnFailures = Counter("spawn_failures_total", "Userpods that failed to start.");
        _spawnDuration = Meter.CreateHistogram<double>("spawn_duration_seconds", null, "Time from spawn to a healthy userpod.");
        _rejected = Meter.CreateCounter<long>("sessions_rejected_total", null, "New sessions refused.");
        _rejected.Add(0, Reason("cap"));
        _rejected.Add(0, Reason("rate"));
        _proxied = Meter.CreateCounter<long>("proxied_requests_total", null, "Requests answered for users, by status.");
        Meter.CreateObservableGauge("websocket_connections", () => Volatile.Read(ref _wsOpen), null, "WebSocket relays open now.");
        _wsOpened = Counter("websocket_connections_total", "WebSocket relays opened.");
        _interactions = Counter("interactions_total", "Client-to-server WebSocket messages relayed.");
        _routeTableErrors = Counter("route_table_errors_total", "Failed route table calls.");
        _deadRoutes = Counter("dead_routes_total", "Routes found pointing at a dead userpod.");
        _upstreamErrors = Counter("upstream_errors_total", "Upstream failures after connecting.");
        _stateReads = Meter.CreateCounter<long>("state_reads_total", null, "State documents read by userpods, by whether one was kept.");
        _stateReads.Add(0, Found(true));
        _stateReads.Add(0, Found(false));
        _stateWrites = Counter("state_writes_total", "State documents stored for userpods.");
        _stateRefused = Meter.CreateCounter<long>("state_refused_total", null, "State requests refused, by reason.");
        foreach (var reason in StateRefusalReasons) _stateRefused.Add(0, Reason(reason));
        _warmClaims = Meter.CreateCounter<long>("warm_pool_claims_total", null, "New sessions that took a warm userpod.");
        _warmMisses = Meter.CreateCounter<long>("warm_pool_misses_total", null,
            "New sessions that found the warm pool empty and started cold.");
        _warmDeaths = Meter.CreateCounter<long>("warm_pool_deaths_total", null, "Warm userpods that died unassigned (replaced).");
        _warmFailures = Meter.CreateCounter<long>("warm_pool_start_failures_total", null, "Warm userpods that failed to start.");
        _warmRefill = Meter.CreateHistogram<double>("warm_pool_refill_seconds", null, "Time to start one warm userpod (spawn to healthy).");
    }

    /// <summary>The router's meter: owners of a current value add their observable gauge here.</summary>
    public Meter Meter { get; }

    /// <summary>What <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>
    /// The warm pool's series, shown from startup (at 0) when this router keeps a pool: called by the pool's owner,
    /// which also registers its gauges.
    /// </summary>
    public void EnableWarmPool()
    {
        foreach (var c in new[] { _warmClaims, _warmMisses, _warmDeaths, _warmFailures }) c.Add(0);
    }

    Counter<long> Counter(string name, string help)
    {
        var c = Meter.CreateCounter<long>(name, null, help);
        c.Add(0); // exported from the start, not from the first event
        return c;
    }

    static KeyValuePair<string, object?> Reason(string reason) => new("reason", reason);
    static KeyValuePair<string, object?> Found(bool found) => new("found", found ? "true" : "false");

    /// <summary>The reasons of <c>htagkube_state_refused_total</c>, each exported from the start.</summary>
    public static readonly string[] StateRefusalReasons = ["method", "key", "forbidden", "too-large", "not-an-object", "unavailable"];

    /// <summary>Counts a proxied HTTP response (or a WebSocket upgrade) by status code.</summary>
    public void Proxied(int status) => _proxied.Add(1, new KeyValuePair<string, object?>("code", StatusText(status)));
    /// <summary>A userpod was started.</summary>
    public void SessionStarted(TimeSpan took) { _sessionsStarted.Add(1); _spawnDuration.Record(took.TotalSeconds); }
    /// <summary>A userpod failed to start.</summary>
    public void SpawnFailed() => _spawnFailures.Add(1);
    /// <summary>A session took a warm userpod.</summary>
    public void WarmClaimed() => _warmClaims.Add(1);
    /// <summary>A session found the (enabled) warm pool empty and started cold.</summary>
    public void WarmMissed() => _warmMisses.Add(1);
    /// <summary>A warm userpod was started and is healthy.</summary>
    public void WarmRefilled(TimeSpan took) => _warmRefill.Record(took.TotalSeconds);
    /// <summary>A warm userpod died while unassigned (it is replaced).</summary>
    public void WarmDied() => _warmDeaths.Add(1);
    /// <summary>A warm userpod failed to start (not a user-visible spawn failure).</summary>
    public void WarmStartFailed() => _warmFailures.Add(1);
    /// <summary>A new user was refused by the session cap.</summary>
    public void RejectedByCap() => _rejected.Add(1, Reason("cap"));
    /// <summary>A new session was refused by the per-IP rate limit.</summary>
    public void RejectedByRate() => _rejected.Add(1, Reason("rate"));
    /// <summary>A WebSocket relay opened.</summary>
    public void WebSocketOpened() { Interlocked.Increment(ref _wsOpen); _wsOpened.Add(1); }
    /// <summary>A WebSocket relay ended.</summary>
    public void WebSocketClosed() => Interlocked.Decrement(ref _wsOpen);
    /// <summary>A client→server WebSocket message was relayed.</summary>
    public void Interaction() => _interactions.Add(1);
    /// <summary>A route table call failed.</summary>
    public void RouteTableError() => _routeTableErrors.Add(1);
    /// <summary>A route pointed at a dead userpod.</summary>
    public void DeadRoute() => _deadRoutes.Add(1);
    /// <summary>An upstream failed after connecting (502/504 or aborted stream).</summary>
    public void UpstreamError() => _upstreamErrors.Add(1);

    /// <summary>A userpod read its user's state document (<paramref name="found"/>: one was kept).</summary>
    public void StateRead(bool found) => _stateReads.Add(1, Found(found));
    /// <summary>A userpod stored its user's state document.</summary>
    public void StateWritten() => _stateWrites.Add(1);
    /// <summary>A state request was refused (<see cref="StateRefusalReasons"/>).</summary>
    public void StateRefused(string reason) => _stateRefused.Add(1, Reason(reason));

    // Status labels without a string allocation per request for the common codes.
    static readonly string[] StatusTexts =
        [.. Enumerable.Range(0, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    static string StatusText(int status) => (uint)status < (uint)StatusTexts.Length ? StatusTexts[status] : "other";

    /// <inheritdoc />
    public void Dispose()
    {
        _adapter.Dispose();
        Meter.Dispose();
    }
}
