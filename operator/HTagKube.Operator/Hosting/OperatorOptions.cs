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
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Port the userpod listens on in its pod (ASPNETCORE_HTTP_PORTS).</summary>
    public int UserpodPort { get; set; } = 8080;

    /// <summary>Resource requests when a session's spec has none.</summary>
    public Dictionary<string, string> DefaultRequests { get; set; } = new() { ["cpu"] = "10m", ["memory"] = "16Mi" };

    /// <summary>Resource limits when a session's spec has none.</summary>
    public Dictionary<string, string> DefaultLimits { get; set; } = new() { ["cpu"] = "500m", ["memory"] = "256Mi" };

    /// <summary>Ready sessions are re-checked this often (route present? expired? activity).</summary>
    public TimeSpan RouteCheck { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>status.lastActivity is written at most this often per session.</summary>
    public TimeSpan ActivitySync { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A pod not Ready after this long is failed and recreated.</summary>
    public TimeSpan PodStartTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// First delay before a failed pod is recreated; doubles per failure up to <see cref="RecreateBackoffMax"/>.
    /// </summary>
    public TimeSpan RecreateBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest delay before a failed pod is recreated.</summary>
    public TimeSpan RecreateBackoffMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The leader-election Lease: only its holder acts.</summary>
    public string LeaseName { get; set; } = "htagkube-operator";

    /// <summary>Namespace of the leader-election Lease; null = <see cref="Namespace"/>.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>How long a lease lasts without renewal (a crashed leader's successor waits that long).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Reconciles run in parallel (never two for one session). Each mostly waits on API calls, so a rush of claims is
    /// served in parallel rather than queued behind a few workers.
    /// </summary>
    public int Workers { get; set; } = 8;

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
    public TimeSpan WarmPoolShrinkDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The window over which an adaptive pool measures the arrival rate.</summary>
    public TimeSpan WarmPoolWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A ConfigMap of the served namespace the warm pool writes its state into (target, Ready, starting, rate, start
    /// time: <see cref="Warm.WarmPoolStatus"/>); null = none. The chart creates it and names it here.
    /// </summary>
    public string? WarmPoolStatus { get; set; }

    /// <summary>
    /// What happens to a session whose pod runs another image than the one it would get now (after <c>helm upgrade</c>
    /// changed <see cref="Image"/>): <see cref="UpgradeStrategy.OnIdle"/> moves it once its user is idle for
    /// <see cref="UpgradeIdle"/> (the user's durable state follows), <see cref="UpgradeStrategy.OnExpiry"/> leaves it until
    /// the session ends. Warm pods of another image are replaced at once either way.
    /// </summary>
    public UpgradeStrategy UpgradeStrategy { get; set; } = UpgradeStrategy.OnIdle;

    /// <summary>How long a user must be idle before <see cref="UpgradeStrategy.OnIdle"/> moves their session.</summary>
    public TimeSpan UpgradeIdle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The pool's bounds, the schedule's largest count included in the default upper bound.</summary>
    public (int Min, int Max) WarmPoolBounds(Warm.WarmPoolSchedule schedule) =>
        (WarmPool, WarmPoolMax ?? Math.Max(WarmPool, schedule.LargestPods));
}

/// <summary>See <see cref="OperatorOptions.UpgradeStrategy"/>.</summary>
public enum UpgradeStrategy
{
    /// <summary>A session moves to the current image once its user is idle for a moment.</summary>
    OnIdle,

    /// <summary>A session keeps its pod's image until it ends.</summary>
    OnExpiry,
}
