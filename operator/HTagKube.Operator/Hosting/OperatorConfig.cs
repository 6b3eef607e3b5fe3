using HTagKube.Contract;

namespace HTagKube.Operator.Hosting;

/// <summary>Command-line flags → configuration keys (everything can also come from env <c>Operator__X</c>).</summary>
public static class OperatorConfig
{
    /// <summary>The configuration section of <see cref="OperatorOptions"/>.</summary>
    public const string Section = "Operator";

    static readonly ProgramFlag[] Current =
    [
        Flag("--namespace", nameof(OperatorOptions.Namespace)),
        Flag("--redis", nameof(OperatorOptions.Redis)),
        Flag("--image", nameof(OperatorOptions.Image)),
        Flag("--image-pull-policy", nameof(OperatorOptions.ImagePullPolicy)),
        Flag("--idle-timeout", nameof(OperatorOptions.IdleTimeout), FlagKind.Duration),
        Flag("--route-check", nameof(OperatorOptions.RouteCheck), FlagKind.Duration),
        Flag("--activity-sync", nameof(OperatorOptions.ActivitySync), FlagKind.Duration),
        Flag("--pod-start-timeout", nameof(OperatorOptions.PodStartTimeout), FlagKind.Duration),
        Flag("--recreate-backoff", nameof(OperatorOptions.RecreateBackoff), FlagKind.Duration),
        Flag("--recreate-backoff-max", nameof(OperatorOptions.RecreateBackoffMax), FlagKind.Duration),
        Flag("--lease-name", nameof(OperatorOptions.LeaseName)),
        Flag("--lease-namespace", nameof(OperatorOptions.LeaseNamespace)),
        Flag("--lease-duration", nameof(OperatorOptions.LeaseDuration), FlagKind.Duration),
        Flag("--workers", nameof(OperatorOptions.Workers)),
        Flag("--warm-pool", nameof(OperatorOptions.WarmPool)),
        Flag("--warm-pool-max", nameof(OperatorOptions.WarmPoolMax)),
        Flag("--warm-pool-schedule", nameof(OperatorOptions.WarmPoolSchedule)),
        Flag("--warm-pool-shrink-delay", nameof(OperatorOptions.WarmPoolShrinkDelay), FlagKind.Duration),
        Flag("--warm-pool-window", nameof(OperatorOptions.WarmPoolWindow), FlagKind.Duration),
        Flag("--warm-pool-status", nameof(OperatorOptions.WarmPoolStatus)),
        Flag("--upgrade-strategy", nameof(OperatorOptions.UpgradeStrategy)),
        Flag("--upgrade-idle", nameof(OperatorOptions.UpgradeIdle), FlagKind.Duration),
    ];

    /// <summary>
    /// Every flag of the operator, in one place (the chart's tests check its arguments against it). Durations are
    /// written as the router's are (<see cref="Durations"/>: 1800, 30s, 5m). Their earlier names with a
    /// <c>-seconds</c> suffix (<c>--idle-timeout-seconds</c>) stay as aliases: whole seconds read the same.
    /// </summary>
    public static readonly ProgramFlags Flags = new(
        [.. Current, .. Current.Where(f => f.Kind == FlagKind.Duration).Select(f => f with { Name = f.Name + "-seconds" })]);

    static ProgramFlag Flag(string name, string setting, FlagKind kind = FlagKind.Value) => new(name, Section + ":" + setting, kind);

    /// <summary>The settings, checked: a bad value is an <see cref="ArgumentException"/> naming the flag.</summary>
    public static OperatorOptions Bind(IConfiguration config)
    {
        Flags.ReadDurations(key => config[key], (key, value) => config[key] = value);
        var o = new OperatorOptions();
        config.GetSection(Section).Bind(o);
        if (string.IsNullOrWhiteSpace(o.Redis)) throw new ArgumentException("--redis is required");
        if (o.IdleTimeout < TimeSpan.FromSeconds(10)) throw new ArgumentException("--idle-timeout must be at least 10 s");
        TimeSpan[] positive = [o.RouteCheck, o.ActivitySync, o.PodStartTimeout, o.RecreateBackoff, o.LeaseDuration, o.UpgradeIdle];
        if (positive.Any(d => d <= TimeSpan.Zero) || o.Workers < 1)
            throw new ArgumentException("intervals, timeouts and workers must be positive");
        if (o.RecreateBackoffMax < o.RecreateBackoff)
            throw new ArgumentException("--recreate-backoff-max must be at least --recreate-backoff");
        if (o.WarmPool is < 0 or > 500) throw new ArgumentException("--warm-pool must be between 0 and 500");
        var (min, max) = o.WarmPoolBounds(Warm.WarmPoolSchedule.Parse(o.WarmPoolSchedule)); // a bad schedule names itself
        if (max < min || max > 500) throw new ArgumentException("--warm-pool-max must be between --warm-pool and 500");
        if (o.WarmPoolShrinkDelay <= TimeSpan.Zero || o.WarmPoolWindow <= TimeSpan.Zero)
            throw new ArgumentException("--warm-pool-shrink-delay and --warm-pool-window must be positive");
        return o;
    }
}
