using System.Diagnostics.Metrics;
using HTagKube.Api.V1Alpha1;

namespace HTagKube.Operator.Metrics;

/// <summary>The operator's instruments (exported on /metrics by <see cref="PrometheusExporter"/>).</summary>
public sealed class OperatorMetrics : IDisposable
{
    public const string MeterName = "HTagKube.Operator";
    readonly Meter _meter = new(MeterName);

    public OperatorMetrics()
    {
        PodStartSeconds = _meter.CreateHistogram<double>("htagkube_pod_start_seconds", "s", "Pod creation to Ready and route published");
        RoutesPublished = _meter.CreateCounter<long>("htagkube_routes_published_total");
        SessionsExpired = _meter.CreateCounter<long>("htagkube_sessions_expired_total");
        PodFailures = _meter.CreateCounter<long>("htagkube_pod_failures_total");
        Republished = _meter.CreateCounter<long>("htagkube_routes_republished_total", description: "Routes re-published after the route table lost its data");
        _meter.CreateObservableGauge("htagkube_sessions", ObserveSessions, description: "HTagSessions by phase");
        _meter.CreateObservableGauge("htagkube_leader", () => IsLeader ? 1 : 0);
        WarmClaims = _meter.CreateCounter<long>("htagkube_warm_pool_claims_total", description: "Sessions that got a warm pod");
        WarmMisses = _meter.CreateCounter<long>("htagkube_warm_pool_misses_total", description: "Sessions that fell back to a cold pod while the pool is enabled");
        WarmRefillSeconds = _meter.CreateHistogram<double>("htagkube_warm_pool_refill_seconds", "s", "Warm pod creation to Ready");
        _meter.CreateObservableGauge("htagkube_warm_pool_pods", ObserveWarm, description: "Warm pods in the pool by state");
        _meter.CreateObservableGauge("htagkube_warm_pool_target", () => WarmTarget, description: "Configured warm pool size");
    }

    public Counter<long> WarmClaims { get; }
    public Counter<long> WarmMisses { get; }
    public Histogram<double> WarmRefillSeconds { get; }
    public volatile int WarmTarget;

    /// <summary>Source of the warm pool gauge (null on a standby: it keeps no pool).</summary>
    public Func<(int Ready, int Starting)>? WarmPods { get; set; }

    IEnumerable<Measurement<int>> ObserveWarm()
    {
        var (ready, starting) = WarmPods?.Invoke() ?? (0, 0);
        yield return new(ready, new KeyValuePair<string, object?>("state", "ready"));
        yield return new(starting, new KeyValuePair<string, object?>("state", "starting"));
    }

    public Histogram<double> PodStartSeconds { get; }
    public Counter<long> RoutesPublished { get; }
    public Counter<long> SessionsExpired { get; }
    public Counter<long> PodFailures { get; }
    public Counter<long> Republished { get; }

    public volatile bool IsLeader;

    /// <summary>Source of the sessions gauge: the leader's informer cache (empty on a standby).</summary>
    public Func<IReadOnlyList<HTagSession>>? Sessions { get; set; }

    IEnumerable<Measurement<int>> ObserveSessions()
    {
        var sessions = Sessions?.Invoke() ?? [];
        foreach (var phase in Enum.GetValues<SessionPhase>())
            yield return new(sessions.Count(s => s.Status?.Phase == phase), new KeyValuePair<string, object?>("phase", phase.ToString()));
    }

    public void Dispose() => _meter.Dispose();
}
