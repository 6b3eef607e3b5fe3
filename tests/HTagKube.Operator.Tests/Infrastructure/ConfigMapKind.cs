using HTagKube.Kubernetes.Runtime;
using k8s;
using k8s.Models;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>ConfigMaps for the controller runtime: a plain kind the runtime tests drive (the operator watches no ConfigMaps).</summary>
public static class ConfigMapKind
{
    public static readonly KubeKind<V1ConfigMap> ConfigMaps = new()
    {
        ApiVersion = "v1", Kind = "ConfigMap",
        List = async (k, ns, sel, cont, ct) =>
        {
            var l = await k.CoreV1.ListNamespacedConfigMapAsync(ns, continueParameter: cont, labelSelector: sel, limit: KubeKinds.PageSize, cancellationToken: ct);
            return KubeKinds.Page(l, l.Items);
        },
        Watch = (k, ns, sel, rv, timeout, onError, ct) => k.CoreV1.WatchListNamespacedConfigMapAsync(ns, allowWatchBookmarks: true,
            labelSelector: sel, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
        Patch = (k, p, ns, name, ct) => k.CoreV1.PatchNamespacedConfigMapAsync(p, name, ns, cancellationToken: ct),
    };
}
