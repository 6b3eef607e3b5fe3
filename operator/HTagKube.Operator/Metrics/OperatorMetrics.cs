using System.Diagnostics.Metrics;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
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
    volatile Func<(int Ready, int Starting)> _warmPods = () => (0, 0);

    /// <param name="sessions">The sessions gauge's source (the controller's informer).</param>
    /// <param name="o">The configured warm pool size.</param>
    public OperatorMetrics(Informer<HTagSession> sessions, OperatorOptions o)
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
        SessionsUpgraded = _meter.CreateCounter<long>("sessions_upgraded_total",
            description: "Sessions moved to the current userpod image (their pod on another image deleted while idle)");
        PodFailures = _meter.CreateCounter<long>("pod_failures_total");
        Republished = _meter.CreateCounter<long>("routes_republished_total",
            description: "Routes re-published after the route table lost its data");
        _meter.CreateObservableGauge("sessions", () => ObserveSessions(sessions.List()), description: "HTagSessions by phase");
        WarmClaims = _meter.CreateCounter<long>("warm_pool_claims_total",
            description: "Sessions that got a warm pod (Ready, or still starting when none was Ready)");
        WarmMisses = _meter.CreateCounter<long>("warm_pool_misses_total",
            description: "Sessions that found no warm pod, Ready or starting, and started their own while the pool is enabled");
        _warmTarget = () => o.WarmPool; // until the pool hands over its own
        WarmRefillSeconds = _meter.CreateHistogram<double>("warm_pool_refill_seconds", null,
            "Warm pod creation to Ready (in the pool or claimed while starting)");
        _meter.CreateObservableGauge("warm_pool_pods", () => ObserveWarm(_warmPods()), description: "Warm pods in the pool by state");
        _meter.CreateObservableGauge("warm_pool_target", () => _warmTarget(),
            description: "Warm pods the pool keeps now (adaptive: follows the arrivals between its bounds)");
        _meter.CreateObservableGauge("warm_pool_arrivals_per_second", () => _warmRate(),
            description: "Sessions asking for a warm pod per second (claims and misses): the highest over 2.5 s, 10 s and the window");
        _meter.CreateObservableGauge("warm_pool_start_seconds", () => _warmStart(),
            description: "Smoothed warm pod creation to Ready the pool sizes itself with");
    }

    volatile Func<int> _warmTarget = () => 0;
    volatile Func<double> _warmRate = () => 0, _warmStart = () => 0;

    /// <summary>The warm pool gauges read these (the pool hands them over; no pool: zero).</summary>
    public void ObserveWarmPool(
        Func<(int Ready, int Starting)> pods, Func<int> target, Func<double> arrivalsPerSecond, Func<double> startSeconds)
    {
        (_warmPods, _warmTarget, _warmRate, _warmStart) = (pods, target, arrivalsPerSecond, startSeconds);
    }

    /// <summary>What <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Sessions that got a warm pod.</summary>
    public Counter<long> WarmClaims { get; }

    /// <summary>Sessions that started cold while the pool is enabled.</summary>
    public Counter<long> WarmMisses { get; }

    /// <summary>Warm pod creation to Ready.</summary>
    public Histogram<double> WarmRefillSeconds { get; }

    static Measurement<int>[] ObserveWarm((int Ready, int Starting) pods) =>
    [
        new(pods.Ready, new KeyValuePair<string, object?>("state", "ready")),
        new(pods.Starting, new KeyValuePair<string, object?>("state", "starting")),
    ];

    /// <summary>A session's own pod: creation to Ready and route published.</summary>
    public Histogram<double> PodStartSeconds { get; }

    /// <summary>Routes published for a new pod.</summary>
    public Counter<long> RoutesPublished { get; }

    /// <summary>Sessions ended by the idle verdict.</summary>
    public Counter<long> SessionsExpired { get; }

    /// <summary>Sessions moved to the current userpod image.</summary>
    public Counter<long> SessionsUpgraded { get; }

    /// <summary>Userpod pods (session or warm) failed and replaced.</summary>
    public Counter<long> PodFailures { get; }

    /// <summary>Routes re-published after the route table lost its data.</summary>
    public Counter<long> Republished { get; }

    static IEnumerable<Measurement<int>> ObserveSessions(IReadOnlyList<HTagSession> sessions) => Enum.GetValues<SessionPhase>()
        .Select(phase => new Measurement<int>(sessions.Count(s => s.Status?.Phase == phase),
            new KeyValuePair<string, object?>("phase", phase.ToString())));

    /// <summary>Stops exporting.</summary>
    public void Dispose()
    {
        _adapter.Dispose();
        _meter.Dispose();
    }
}
