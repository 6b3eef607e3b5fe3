using k8s;
using k8s.Models;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>
/// Shaped like KubeOps' IEntityController: level-triggered, called with the latest cached state of one object that
/// is not being deleted; must be idempotent. Throwing re-queues the key with exponential backoff.
/// </summary>
public interface IEntityController<in TEntity> where TEntity : class, IKubernetesObject<V1ObjectMeta>
{
    Task<ReconcileResult> ReconcileAsync(TEntity entity, CancellationToken ct);

    /// <summary>The object is gone from the API (last known state), for in-memory cleanup. Work that must happen
    /// before it goes belongs in an <see cref="IEntityFinalizer{TEntity}"/>.</summary>
    Task DeletedAsync(TEntity entity, CancellationToken ct);
}

/// <summary>
/// Shaped like KubeOps' IEntityFinalizer: the runtime adds <see cref="Identifier"/> to every object before its first
/// reconcile, calls <see cref="FinalizeAsync"/> once the object is being deleted, and removes the finalizer from the
/// state it returns (the object as it wrote it last). Throwing retries with backoff (the object stays until then).
/// </summary>
public interface IEntityFinalizer<TEntity> where TEntity : class, IKubernetesObject<V1ObjectMeta>
{
    string Identifier { get; }

    Task<TEntity> FinalizeAsync(TEntity entity, CancellationToken ct);
}

public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done => new(null);
    public static ReconcileResult After(TimeSpan delay) => new(delay);
}
