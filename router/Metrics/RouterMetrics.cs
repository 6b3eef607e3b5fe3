namespace HTagKube.Router.Metrics;

/// <summary>
/// The router's counters, exported by <see cref="PrometheusExporter"/>. Plain interlocked fields: cheap on the
/// hot path and trivially replaceable by System.Diagnostics.Metrics instruments when an exporter package exists.
/// </summary>
public sealed class RouterMetrics
{
    readonly long[] _byStatus = new long[600];
    long _sessionsStarted, _spawnFailures, _rejectedCap, _rejectedRate, _wsOpen, _wsTotal, _interactions,
        _routeTableErrors, _deadRoutes, _upstreamErrors, _warmClaims, _warmMisses, _warmDeaths, _warmFailures;

    /// <summary>Userpod start duration: spawn until /healthz answered.</summary>
    public Histogram SpawnDuration { get; } = new(0.1, 0.25, 0.5, 1, 2, 5, 10, 30);

    /// <summary>Warm pool refill: start of an unassigned userpod until /healthz answered.</summary>
    public Histogram WarmRefillDuration { get; } = new(0.1, 0.25, 0.5, 1, 2, 5, 10, 30);

    /// <summary>Reads the number of ready warm userpods; null when this router has no warm pool (Kubernetes mode).</summary>
    public Func<int>? WarmPoolSize { get; set; }

    /// <summary>Configured warm pool size (<c>--warm-pool</c>).</summary>
    public int WarmPoolTarget { get; set; }

    /// <summary>Reads how many new users wait for a userpod start slot (<c>--max-starting</c>); null outside local mode.</summary>
    public Func<int>? StartsWaiting { get; set; }

    /// <summary>Reads the live session count (set by the host to the provisioner's count).</summary>
    public Func<int> LiveSessions { get; set; } = () => 0;

    /// <summary>Counts a proxied HTTP response (or a WebSocket upgrade) by status code.</summary>
    public void Proxied(int status)
    {
        if ((uint)status < (uint)_byStatus.Length) Interlocked.Increment(ref _byStatus[status]);
    }

    /// <summary>A userpod was started.</summary>
    public void SessionStarted(TimeSpan took) { Interlocked.Increment(ref _sessionsStarted); SpawnDuration.Observe(took); }
    /// <summary>A userpod failed to start.</summary>
    public void SpawnFailed() => Interlocked.Increment(ref _spawnFailures);
    /// <summary>A session took a warm userpod.</summary>
    public void WarmClaimed() => Interlocked.Increment(ref _warmClaims);
    /// <summary>A session found the (enabled) warm pool empty and started cold.</summary>
    public void WarmMissed() => Interlocked.Increment(ref _warmMisses);
    /// <summary>A warm userpod died while unassigned (it is replaced).</summary>
    public void WarmDied() => Interlocked.Increment(ref _warmDeaths);
    /// <summary>A warm userpod failed to start (not a user-visible spawn failure).</summary>
    public void WarmStartFailed() => Interlocked.Increment(ref _warmFailures);
    /// <summary>Sessions that took a warm userpod.</summary>
    public long WarmClaimsTotal => Volatile.Read(ref _warmClaims);
    /// <summary>Sessions that started cold because the warm pool was empty.</summary>
    public long WarmMissesTotal => Volatile.Read(ref _warmMisses);
    /// <summary>A new user was refused by the session cap.</summary>
    public void RejectedByCap() => Interlocked.Increment(ref _rejectedCap);
    /// <summary>A new session was refused by the per-IP rate limit.</summary>
    public void RejectedByRate() => Interlocked.Increment(ref _rejectedRate);
    /// <summary>A WebSocket relay opened.</summary>
    public void WebSocketOpened() { Interlocked.Increment(ref _wsOpen); Interlocked.Increment(ref _wsTotal); }
    /// <summary>A WebSocket relay ended.</summary>
    public void WebSocketClosed() => Interlocked.Decrement(ref _wsOpen);
    /// <summary>A client→server WebSocket message was relayed.</summary>
    public void Interaction() => Interlocked.Increment(ref _interactions);
    /// <summary>A route table call failed.</summary>
    public void RouteTableError() => Interlocked.Increment(ref _routeTableErrors);
    /// <summary>A route pointed at a dead userpod.</summary>
    public void DeadRoute() => Interlocked.Increment(ref _deadRoutes);
    /// <summary>An upstream failed after connecting (502/504 or aborted stream).</summary>
    public void UpstreamError() => Interlocked.Increment(ref _upstreamErrors);

    /// <summary>Sessions started since the router started.</summary>
    public long SessionsStartedTotal => Volatile.Read(ref _sessionsStarted);

    /// <summary>Writes every metric in Prometheus text exposition format 0.0.4.</summary>
    public void WriteTo(TextWriter w)
    {
        Gauge(w, "htagkube_live_sessions", "Userpods this router runs now.", LiveSessions());
        Counter(w, "htagkube_sessions_started_total", "Userpods started.", _sessionsStarted);
        Counter(w, "htagkube_spawn_failures_total", "Userpods that failed to start.", _spawnFailures);
        SpawnDuration.WriteTo(w, "htagkube_spawn_duration_seconds", "Time from spawn to a healthy userpod.");
        w.Write("# HELP htagkube_sessions_rejected_total New sessions refused.\n# TYPE htagkube_sessions_rejected_total counter\n");
        w.Write($"htagkube_sessions_rejected_total{{reason=\"cap\"}} {Volatile.Read(ref _rejectedCap)}\n");
        w.Write($"htagkube_sessions_rejected_total{{reason=\"rate\"}} {Volatile.Read(ref _rejectedRate)}\n");
        w.Write("# HELP htagkube_proxied_requests_total Requests answered for users, by status.\n# TYPE htagkube_proxied_requests_total counter\n");
        for (var s = 0; s < _byStatus.Length; s++)
        {
            var n = Volatile.Read(ref _byStatus[s]);
            if (n != 0) w.Write($"htagkube_proxied_requests_total{{code=\"{s}\"}} {n}\n");
        }
        Gauge(w, "htagkube_websocket_connections", "WebSocket relays open now.", Volatile.Read(ref _wsOpen));
        Counter(w, "htagkube_websocket_connections_total", "WebSocket relays opened.", _wsTotal);
        Counter(w, "htagkube_interactions_total", "Client-to-server WebSocket messages relayed.", _interactions);
        Counter(w, "htagkube_route_table_errors_total", "Failed route table calls.", _routeTableErrors);
        Counter(w, "htagkube_dead_routes_total", "Routes found pointing at a dead userpod.", _deadRoutes);
        Counter(w, "htagkube_upstream_errors_total", "Upstream failures after connecting.", _upstreamErrors);
        if (StartsWaiting is { } waiting)
            Gauge(w, "htagkube_starts_waiting", "New users waiting for a userpod start slot (--max-starting).", waiting());
        if (WarmPoolSize is { } warm)
        {
            Gauge(w, "htagkube_warm_pool_size", "Warm userpods started, healthy and unassigned now.", warm());
            Gauge(w, "htagkube_warm_pool_target", "Configured warm pool size (--warm-pool).", WarmPoolTarget);
            Counter(w, "htagkube_warm_pool_claims_total", "New sessions that took a warm userpod.", _warmClaims);
            Counter(w, "htagkube_warm_pool_misses_total", "New sessions that found the warm pool empty and started cold.", _warmMisses);
            Counter(w, "htagkube_warm_pool_deaths_total", "Warm userpods that died unassigned (replaced).", _warmDeaths);
            Counter(w, "htagkube_warm_pool_start_failures_total", "Warm userpods that failed to start.", _warmFailures);
            WarmRefillDuration.WriteTo(w, "htagkube_warm_pool_refill_seconds", "Time to start one warm userpod (spawn to healthy).");
        }
    }

    static void Gauge(TextWriter w, string name, string help, long value) =>
        w.Write($"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");

    static void Counter(TextWriter w, string name, string help, long field) =>
        w.Write($"# HELP {name} {help}\n# TYPE {name} counter\n{name} {Volatile.Read(ref field)}\n");
}
