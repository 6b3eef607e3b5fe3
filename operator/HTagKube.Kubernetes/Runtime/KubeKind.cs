using k8s;
using k8s.Models;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>One page of a list: items, the list's resourceVersion and the continue token (null on the last page).</summary>
public sealed record KubePage<T>(IList<T> Items, string? ResourceVersion, string? Continue);

/// <summary>
/// How the runtime lists, watches and patches one namespaced kind through the client's typed API (the client has
/// one method per kind; this is the narrow shape the informer, controller and finalizers need).
/// </summary>
public sealed class KubeKind<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Lists one page.</summary>
    public delegate Task<KubePage<T>> ListCall(IKubernetes kube, string ns, string? labelSelector, string? continueToken,
        CancellationToken ct);

    /// <summary>One watch stream from a resourceVersion.</summary>
    public delegate IAsyncEnumerable<(WatchEventType, T)> WatchCall(
        IKubernetes kube, string ns, string? labelSelector, string resourceVersion, int timeoutSeconds, Action<Exception> onError,
        CancellationToken ct);

    /// <summary>Patches one object.</summary>
    public delegate Task<T> PatchCall(IKubernetes kube, V1Patch patch, string ns, string name, CancellationToken ct);

    /// <summary>apiVersion of the kind, e.g. <c>v1</c> or <c>htagkube.io/v1alpha1</c> (owner references name it).</summary>
    public required string ApiVersion { get; init; }
    /// <summary>The kind, e.g. <c>Pod</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>How it is listed.</summary>
    public required ListCall List { get; init; }
    /// <summary>How it is watched.</summary>
    public required WatchCall Watch { get; init; }
    /// <summary>How it is patched.</summary>
    public required PatchCall Patch { get; init; }
}

/// <summary>The built-in kinds the operator watches.</summary>
public static class KubeKinds
{
    /// <summary>Items per list page.</summary>
    public const int PageSize = 500;

    /// <summary>Pods.</summary>
    public static readonly KubeKind<V1Pod> Pods = new()
    {
        ApiVersion = "v1", Kind = "Pod",
        List = async (k, ns, sel, cont, ct) => Page(await k.CoreV1.ListNamespacedPodAsync(ns, continueParameter: cont,
            labelSelector: sel, limit: PageSize, cancellationToken: ct)),
        Watch = (k, ns, sel, rv, timeout, onError, ct) => k.CoreV1.WatchListNamespacedPodAsync(ns, allowWatchBookmarks: true,
            labelSelector: sel, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
        Patch = (k, p, ns, name, ct) => k.CoreV1.PatchNamespacedPodAsync(p, name, ns, cancellationToken: ct),
    };

    /// <summary>Secrets.</summary>
    public static readonly KubeKind<V1Secret> Secrets = new()
    {
        ApiVersion = "v1", Kind = "Secret",
        List = async (k, ns, sel, cont, ct) => Page(await k.CoreV1.ListNamespacedSecretAsync(ns, continueParameter: cont,
            labelSelector: sel, limit: PageSize, cancellationToken: ct)),
        Watch = (k, ns, sel, rv, timeout, onError, ct) => k.CoreV1.WatchListNamespacedSecretAsync(ns, allowWatchBookmarks: true,
            labelSelector: sel, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct),
        Patch = (k, p, ns, name, ct) => k.CoreV1.PatchNamespacedSecretAsync(p, name, ns, cancellationToken: ct),
    };

    /// <summary>A page of any list kind of the client (pods, secrets, custom resource lists).</summary>
    public static KubePage<T> Page<T>(IKubernetesObject<V1ListMeta> list, IList<T> items) =>
        new(items, list.Metadata?.ResourceVersion,
            string.IsNullOrEmpty(list.Metadata?.ContinueProperty) ? null : list.Metadata.ContinueProperty);

    static KubePage<V1Pod> Page(V1PodList l) => Page(l, l.Items);
    static KubePage<V1Secret> Page(V1SecretList l) => Page(l, l.Items);

    /// <summary>"ns/name", the key of an object in caches and work queues.</summary>
    public static string KeyOf(string? ns, string name) => ns is null ? name : $"{ns}/{name}";
    /// <summary>"ns/name" of an object.</summary>
    public static string KeyOf(IKubernetesObject<V1ObjectMeta> o) => KeyOf(o.Metadata.NamespaceProperty, o.Metadata.Name ?? "");
}
