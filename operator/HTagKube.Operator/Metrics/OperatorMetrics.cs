using System.Diagnostics.Metrics;
using HTagKube.Api.V1Alpha1;
using Prometheus;

namespace HTagKube.Operator.Metrics;

/// <summary>
/// The operator's instruments, exported on <c>/metrics</c> by prometheus-net (as the router's: meter <c>HTagKube</c>,
/// so <c>{meter}_{instrument}</c> gives the documented <c>htagkube_…</c> names), together with the controller
/// runtime's meter of the same name (reconciles, work queue depth, leader). The gauges read the leader's caches: a standby
/// reports no sessions and no warm pods.
/// </summary>
public sealed class OperatorMetrics : IDisposable
{
    /// <summary>Meter name: the <c>htagkube_</c> prefix of every exported name.</summary>
    public const string MeterName = "HTagKube";
    static readonly double[] Buckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];
    readonly Meter _meter = new(MeterName);
    readonly IDisposable _adapter;

    /// <param name="sessions">The sessions gauge's source (the controller's informer).</param>
    /// <param name="warmPods">The warm pool gauge's source.</param>
    /// <param name="warmTarget">The configured pool size.</param>
    public OperatorMetrics(Func<IReadOnlyList<HTagSession>> sessions, Func<(int Ready, int Starting)> warmPods, int warmTarget)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        // Listening before the first instrument exists: nothing recorded before the first scrape is lost.
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            InstrumentFilterPredicate = i => i.Meter.Name == MeterName,
            Registry = Registry,
            MetricFactory = Prometheus.Metrics.WithCustomRegistry(Registry),
            ResolveHistogramBuckets = _ => Buckets,
            MetricsExpireAfter = TimeSpan.FromDays(1), // prometheus-net's maximum; observable gauges never expire
        });
        PodStartSeconds = _meter.CreateHistogram<double>("pod_start_seconds", null, "Pod creation to Ready and route published");
        RoutesPublished = _meter.CreateCounter<long>("routes_published_total");
        SessionsExpired = _meter.CreateCounter<long>("sessions_expired_total");
        PodFailures = _meter.CreateCounter<long>("pod_failures_total");
        Republished = _meter.CreateCounter<long>("routes_republished_total", description: "Routes re-published after the route table lost its data");
        _meter.CreateObservableGauge("sessions", () => ObserveSessions(sessions()), description: "HTagSessions by phase");
        WarmClaims = _meter.CreateCounter<long>("warm_pool_claims_total", description: "Sessions that got a warm pod");
        WarmMisses = _meter.CreateCounter<long>("warm_pool_misses_total", description: "Sessions that fell back to a cold pod while the pool is enabled");
        WarmRefillSeconds = _meter.CreateHistogram<double>("warm_pool_refill_seconds", null, "Warm pod creation to Ready");
        _meter.CreateObservableGauge("warm_pool_pods", () => ObserveWarm(warmPods()), description: "Warm pods in the pool by state");
        _meter.CreateObservableGauge("warm_pool_target", () => warmTarget, description: "Configured warm pool size");
    }

    /// <summary>What <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    public Counter<long> WarmClaims { get; }
    public Counter<long> WarmMisses { get; }
    public Histogram<double> WarmRefillSeconds { get; }

    static Measurement<int>[] ObserveWarm((int Ready, int Starting) pods) =>
        [new(pods.Ready, new KeyValuePair<string, object?>("state", "ready")), new(pods.Starting, new KeyValuePair<string, object?>("state", "starting"))];

    public Histogram<double> PodStartSeconds { get; }
    public Counter<long> RoutesPublished { get; }
    public Counter<long> SessionsExpired { get; }
    public Counter<long> PodFailures { get; }
    public Counter<long> Republished { get; }

    static IEnumerable<Measurement<int>> ObserveSessions(IReadOnlyList<HTagSession> sessions) => Enum.GetValues<SessionPhase>()
        .Select(phase => new Measurement<int>(sessions.Count(s => s.Status?.Phase == phase), new KeyValuePair<string, object?>("phase", phase.ToString())));

    public void Dispose()
    {
        _adapter.Dispose();
        _meter.Dispose();
    }
}
