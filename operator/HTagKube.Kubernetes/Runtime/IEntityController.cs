using k8s;
using k8s.Models;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>
/// Shaped like KubeOps' IEntityController: level-triggered, called with the latest cached state of one object that
/// is not being deleted; must be idempotent. Throwing re-queues the key with exponential backoff.
/// </summary>
public interface IEntityController<in TEntity> where TEntity : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Brings the world in line with <paramref name="entity"/>; when to look again.</summary>
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
    /// <summary>The finalizer's name in <c>metadata.finalizers</c>.</summary>
    string Identifier { get; }

    /// <summary>The work before the object may go; the object as last written.</summary>
    Task<TEntity> FinalizeAsync(TEntity entity, CancellationToken ct);
}

/// <summary>What a reconcile asks of the queue: nothing, or another look after a delay.</summary>
/// <param name="RequeueAfter">Reconcile again after this long; null: only on the next event.</param>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    /// <summary>No further look until an event.</summary>
    public static ReconcileResult Done => new(null);
    /// <summary>Look again after <paramref name="delay"/>.</summary>
    public static ReconcileResult After(TimeSpan delay) => new(delay);
}
