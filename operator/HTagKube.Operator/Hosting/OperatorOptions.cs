namespace HTagKube.Operator.Hosting;

/// <summary>Operator settings: config section <c>Operator</c> or the command-line flags of <see cref="OperatorConfig"/>.</summary>
public sealed class OperatorOptions
{
    /// <summary>
    /// Namespace whose HTagSessions are served; unset: the client configuration's (kubeconfig context, else the pod's own).
    /// </summary>
    public string? Namespace { get; set; }

    /// <summary>Redis connection string (StackExchange.Redis syntax) of the route table.</summary>
    public string Redis { get; set; } = "127.0.0.1:6379";

    /// <summary>Userpod image when a session's spec has none.</summary>
    public string Image { get; set; } = "htagkube/userpod:0.1.0";

    /// <summary>Pull policy of userpod images.</summary>
    public string ImagePullPolicy { get; set; } = "IfNotPresent";

    /// <summary>Idle timeout when a session's spec has none.</summary>
    public int IdleTimeoutSeconds { get; set; } = 1800;

    /// <summary>Port the userpod listens on in its pod (ASPNETCORE_HTTP_PORTS).</summary>
    public int UserpodPort { get; set; } = 8080;

    /// <summary>Resource requests when a session's spec has none.</summary>
    public Dictionary<string, string> DefaultRequests { get; set; } = new() { ["cpu"] = "10m", ["memory"] = "48Mi" };

    /// <summary>Resource limits when a session's spec has none.</summary>
    public Dictionary<string, string> DefaultLimits { get; set; } = new() { ["cpu"] = "500m", ["memory"] = "256Mi" };

    /// <summary>Ready sessions are re-checked this often (route present? expired? activity).</summary>
    public int RouteCheckSeconds { get; set; } = 10;

    /// <summary>status.lastActivity is written at most this often per session.</summary>
    public int ActivitySyncSeconds { get; set; } = 60;

    /// <summary>A pod not Ready after this long is failed and recreated.</summary>
    public int PodStartTimeoutSeconds { get; set; } = 120;

    /// <summary><see cref="PodStartTimeoutSeconds"/> as a span.</summary>
    public TimeSpan PodStartTimeout => TimeSpan.FromSeconds(PodStartTimeoutSeconds);

    /// <summary>
    /// First delay before a failed pod is recreated; doubles per failure up to <see cref="RecreateBackoffMaxSeconds"/>.
    /// </summary>
    public double RecreateBackoffSeconds { get; set; } = 2;

    /// <summary>Longest delay before a failed pod is recreated.</summary>
    public double RecreateBackoffMaxSeconds { get; set; } = 300;

    /// <summary>The leader-election Lease: only its holder acts.</summary>
    public string LeaseName { get; set; } = "htagkube-operator";

    /// <summary>Namespace of the leader-election Lease; null = <see cref="Namespace"/>.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>How long a lease lasts without renewal (a crashed leader's successor waits that long).</summary>
    public int LeaseDurationSeconds { get; set; } = 15;

    /// <summary>Reconciles run in parallel (never two for one session).</summary>
    public int Workers { get; set; } = 4;

    /// <summary>
    /// Warm (pre-started, unassigned) pods the leader keeps for new sessions, at least; 0 = none (unless
    /// <see cref="WarmPoolMax"/> or a schedule asks for some), every session starts cold. Alone it is a fixed size.
    /// </summary>
    public int WarmPool { get; set; }

    /// <summary>
    /// Upper bound of an adaptive pool (<see cref="Warm.WarmPoolSizer"/>: the pool follows the arrivals between
    /// <see cref="WarmPool"/> and this); null = <see cref="WarmPool"/>, or the largest scheduled count if larger.
    /// </summary>
    public int? WarmPoolMax { get; set; }

    /// <summary>Scheduled pre-warm (<see cref="Warm.WarmPoolSchedule"/>), e.g. <c>Mon-Fri 08:55 40 30m</c>; empty = none.</summary>
    public string? WarmPoolSchedule { get; set; }

    /// <summary>How long the demand must stay lower before an adaptive pool shrinks (then one pod per 30 s).</summary>
    public int WarmPoolShrinkDelaySeconds { get; set; } = 300;

    /// <summary>The window over which an adaptive pool measures the arrival rate.</summary>
    public int WarmPoolWindowSeconds { get; set; } = 60;

    /// <summary>The pool's bounds, the schedule's largest count included in the default upper bound.</summary>
    public (int Min, int Max) WarmPoolBounds(Warm.WarmPoolSchedule schedule) =>
        (WarmPool, WarmPoolMax ?? Math.Max(WarmPool, schedule.LargestPods));
}
