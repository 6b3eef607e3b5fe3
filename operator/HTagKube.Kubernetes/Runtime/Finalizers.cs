using System.Text.Json.Nodes;
using HTagKube.Kubernetes.Client;
using HTagKube.Kubernetes.Models;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>Add/remove a finalizer with a merge patch guarded by the resourceVersion (409 when stale).</summary>
public static class Finalizers
{
    public static bool Has(IKubeObject o, string finalizer) => o.Metadata.Finalizers?.Contains(finalizer) == true;

    public static Task<T> AddAsync<T>(IKubeClient client, KubeResource<T> r, T obj, string finalizer, CancellationToken ct) where T : class, IKubeObject
    {
        var list = new List<string>(obj.Metadata.Finalizers ?? []) { finalizer };
        return SetAsync(client, r, obj, list, ct);
    }

    public static Task<T> RemoveAsync<T>(IKubeClient client, KubeResource<T> r, T obj, string finalizer, CancellationToken ct) where T : class, IKubeObject
    {
        var list = (obj.Metadata.Finalizers ?? []).Where(f => f != finalizer).ToList();
        return SetAsync(client, r, obj, list, ct);
    }

    static Task<T> SetAsync<T>(IKubeClient client, KubeResource<T> r, T obj, List<string> list, CancellationToken ct) where T : class, IKubeObject
    {
        var arr = new JsonArray();
        foreach (var f in list) arr.Add(f);
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = obj.Metadata.ResourceVersion, ["finalizers"] = arr },
        };
        return client.PatchAsync(r, obj.Metadata.Namespace, obj.Metadata.Name!, KubePatch.Merge(patch), ct);
    }
}
