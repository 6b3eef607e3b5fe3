using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>Add/remove a finalizer with a merge patch guarded by the resourceVersion (409 when stale).</summary>
public static class Finalizers
{
    public static bool Has(IKubernetesObject<V1ObjectMeta> o, string finalizer) => o.Metadata.Finalizers?.Contains(finalizer) == true;

    public static Task<T> AddAsync<T>(IKubernetes kube, KubeKind<T> kind, T obj, string finalizer, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SetAsync(kube, kind, obj, [.. obj.Metadata.Finalizers ?? [], finalizer], ct);

    public static Task<T> RemoveAsync<T>(IKubernetes kube, KubeKind<T> kind, T obj, string finalizer, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        SetAsync(kube, kind, obj, [.. (obj.Metadata.Finalizers ?? []).Where(f => f != finalizer)], ct);

    static Task<T> SetAsync<T>(IKubernetes kube, KubeKind<T> kind, T obj, List<string> list, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var arr = new JsonArray();
        foreach (var f in list) arr.Add(f);
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = obj.Metadata.ResourceVersion, ["finalizers"] = arr },
        };
        return kind.Patch(kube, new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), obj.Metadata.NamespaceProperty, obj.Metadata.Name, ct);
    }
}
