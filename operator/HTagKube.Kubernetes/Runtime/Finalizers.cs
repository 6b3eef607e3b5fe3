using k8s;
using k8s.Models;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>Add/remove a finalizer with a merge patch guarded by the resourceVersion (409 when stale).</summary>
public static class Finalizers
{
    /// <summary>Whether the object carries <paramref name="finalizer"/>.</summary>
    public static bool Has(IKubernetesObject<V1ObjectMeta> o, string finalizer) => o.Metadata.Finalizers?.Contains(finalizer) == true;

    /// <summary>Adds <paramref name="finalizer"/>; the object as written.</summary>
    public static Task<T> AddAsync<T>(IKubernetes kube, KubeKind<T> kind, T obj, string finalizer, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SetAsync(kube, kind, obj, [.. obj.Metadata.Finalizers ?? [], finalizer], ct);

    /// <summary>Removes <paramref name="finalizer"/>; the object as written.</summary>
    public static Task<T> RemoveAsync<T>(IKubernetes kube, KubeKind<T> kind, T obj, string finalizer, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SetAsync(kube, kind, obj, [.. (obj.Metadata.Finalizers ?? []).Where(f => f != finalizer)], ct);

    static Task<T> SetAsync<T>(IKubernetes kube, KubeKind<T> kind, T obj, List<string> list, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        kind.Patch(kube, MetadataPatch.Merge(new V1ObjectMeta { ResourceVersion = obj.Metadata.ResourceVersion, Finalizers = list }),
            obj.Metadata.NamespaceProperty, obj.Metadata.Name, ct);
}

/// <summary>Merge patches of metadata only, written by the client's serializer (fields left null are not sent).</summary>
public static class MetadataPatch
{
    /// <summary>With a resourceVersion set, the API server answers 409 if the object changed since it was read.</summary>
    public static V1Patch Merge(V1ObjectMeta metadata) =>
        new(new Dictionary<string, object> { ["metadata"] = metadata }, V1Patch.PatchType.MergePatch);
}
