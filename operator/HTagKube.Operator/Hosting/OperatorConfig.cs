namespace HTagKube.Operator.Hosting;

/// <summary>Command-line flags → configuration keys (everything can also come from env <c>Operator__X</c>).</summary>
public static class OperatorConfig
{
    /// <summary>Flag → configuration key.</summary>
    public static readonly Dictionary<string, string> Switches = new()
    {
        ["--namespace"] = "Operator:Namespace",
        ["--redis"] = "Operator:Redis",
        ["--image"] = "Operator:Image",
        ["--image-pull-policy"] = "Operator:ImagePullPolicy",
        ["--idle-timeout-seconds"] = "Operator:IdleTimeoutSeconds",
        ["--route-check-seconds"] = "Operator:RouteCheckSeconds",
        ["--activity-sync-seconds"] = "Operator:ActivitySyncSeconds",
        ["--pod-start-timeout-seconds"] = "Operator:PodStartTimeoutSeconds",
        ["--recreate-backoff-seconds"] = "Operator:RecreateBackoffSeconds",
        ["--lease-name"] = "Operator:LeaseName",
        ["--lease-namespace"] = "Operator:LeaseNamespace",
        ["--lease-duration-seconds"] = "Operator:LeaseDurationSeconds",
        ["--workers"] = "Operator:Workers",
        ["--warm-pool"] = "Operator:WarmPool",
        ["--warm-pool-max"] = "Operator:WarmPoolMax",
        ["--warm-pool-schedule"] = "Operator:WarmPoolSchedule",
        ["--warm-pool-shrink-delay-seconds"] = "Operator:WarmPoolShrinkDelaySeconds",
        ["--warm-pool-window-seconds"] = "Operator:WarmPoolWindowSeconds",
    };

    /// <summary>The settings, checked: a bad value is an <see cref="ArgumentException"/> naming the flag.</summary>
    public static OperatorOptions Bind(IConfiguration config)
    {
        var o = new OperatorOptions();
        config.GetSection("Operator").Bind(o);
        if (string.IsNullOrWhiteSpace(o.Redis)) throw new ArgumentException("--redis is required");
        if (o.IdleTimeoutSeconds < 10) throw new ArgumentException("--idle-timeout-seconds must be >= 10");
        if (o.RouteCheckSeconds < 1 || o.ActivitySyncSeconds < 1 || o.PodStartTimeoutSeconds < 1 || o.Workers < 1)
            throw new ArgumentException("intervals, timeouts and workers must be positive");
        if (o.WarmPool is < 0 or > 500) throw new ArgumentException("--warm-pool must be between 0 and 500");
        var (min, max) = o.WarmPoolBounds(Warm.WarmPoolSchedule.Parse(o.WarmPoolSchedule)); // a bad schedule names itself
        if (max < min || max > 500) throw new ArgumentException("--warm-pool-max must be between --warm-pool and 500");
        if (o.WarmPoolShrinkDelaySeconds < 1 || o.WarmPoolWindowSeconds < 1)
            throw new ArgumentException("--warm-pool-shrink-delay-seconds and --warm-pool-window-seconds must be positive");
        return o;
    }
}
