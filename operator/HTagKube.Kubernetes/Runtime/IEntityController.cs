using HTagKube.Kubernetes.Models;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>
/// Shaped like KubeOps' IEntityController: level-triggered, called with the latest cached state of one
/// object; must be idempotent. Throwing re-queues the key with exponential backoff.
/// </summary>
public interface IEntityController<in TEntity> where TEntity : class, IKubeObject
{
    Task<ReconcileResult> ReconcileAsync(TEntity entity, CancellationToken ct);

    /// <summary>The object is gone from the API (last known state). Finalizer work belongs in ReconcileAsync
    /// when metadata.deletionTimestamp is set; this is for in-memory cleanup.</summary>
    Task DeletedAsync(TEntity entity, CancellationToken ct);
}

public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done => new(null);
    public static ReconcileResult After(TimeSpan delay) => new(delay);
}
