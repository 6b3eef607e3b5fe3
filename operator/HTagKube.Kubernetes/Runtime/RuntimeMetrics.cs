using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>
/// The runtime's instruments, on meter <c>HTagKube</c> like the operator's own (exported as <c>htagkube_reconciles_total</c>,
/// <c>htagkube_reconcile_errors_total</c>, <c>htagkube_workqueue_depth{controller}</c>, <c>htagkube_leader</c>).
/// </summary>
static class RuntimeMetrics
{
    static readonly Meter Meter = new("HTagKube");
    public static readonly Counter<long> Reconciles = Meter.CreateCounter<long>("reconciles_total");
    public static readonly Counter<long> Errors = Meter.CreateCounter<long>("reconcile_errors_total");
    public static readonly ConcurrentDictionary<string, WorkQueue> Queues = new();
    static int _leading;

    static RuntimeMetrics()
    {
        Meter.CreateObservableGauge("workqueue_depth",
            () => Queues.Select(q => new Measurement<int>(q.Value.Count, new KeyValuePair<string, object?>("controller", q.Key))));
        Meter.CreateObservableGauge("leader", () => Volatile.Read(ref _leading) > 0 ? 1 : 0);
    }

    /// <summary>This process started (+1) or stopped (-1) leading.</summary>
    public static void Leading(int change) => Interlocked.Add(ref _leading, change);
}
