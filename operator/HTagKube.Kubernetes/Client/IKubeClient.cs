using HTagKube.Kubernetes.Models;

namespace HTagKube.Kubernetes.Client;

/// <summary>
/// The narrow typed API the operator and router use. Deliberately close to KubernetesClient's generic
/// client so the real library can replace <see cref="KubeClient"/> behind it.
/// </summary>
public interface IKubeClient
{
    /// <summary>The namespace of the configuration (kubeconfig context or the pod's own).</summary>
    string DefaultNamespace { get; }

    Task<T> GetAsync<T>(KubeResource<T> r, string? ns, string name, CancellationToken ct) where T : class, IKubeObject;
    Task<T?> TryGetAsync<T>(KubeResource<T> r, string? ns, string name, CancellationToken ct) where T : class, IKubeObject;
    Task<KubeList<T>> ListAsync<T>(KubeResource<T> r, string? ns, ListOptions? options, CancellationToken ct) where T : class, IKubeObject;
    Task<T> CreateAsync<T>(KubeResource<T> r, T obj, CancellationToken ct) where T : class, IKubeObject;
    /// <summary>PUT; fails with <see cref="KubeConflictException"/> when metadata.resourceVersion is stale.</summary>
    Task<T> ReplaceAsync<T>(KubeResource<T> r, T obj, CancellationToken ct) where T : class, IKubeObject;
    /// <summary>PUT on the status subresource (spec changes are ignored by the server).</summary>
    Task<T> ReplaceStatusAsync<T>(KubeResource<T> r, T obj, CancellationToken ct) where T : class, IKubeObject;
    Task<T> PatchAsync<T>(KubeResource<T> r, string? ns, string name, KubePatch patch, CancellationToken ct, bool status = false) where T : class, IKubeObject;
    /// <summary>DELETE; returns false when the object was already gone.</summary>
    Task<bool> DeleteAsync<T>(KubeResource<T> r, string? ns, string name, DeleteOptions? options, CancellationToken ct) where T : class, IKubeObject;
    /// <summary>One watch connection; ends when the server closes it. ERROR events throw (410 → <see cref="KubeGoneException"/>).</summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(KubeResource<T> r, string? ns, WatchOptions options, CancellationToken ct) where T : class, IKubeObject;
}

public sealed record ListOptions(string? LabelSelector = null, string? FieldSelector = null, int? Limit = null, string? Continue = null);

public sealed record WatchOptions(string? ResourceVersion, string? LabelSelector = null, string? FieldSelector = null, int? TimeoutSeconds = null, bool AllowBookmarks = true);

public enum WatchEventType { Added, Modified, Deleted, Bookmark }

public sealed record WatchEvent<T>(WatchEventType Type, T Object) where T : class, IKubeObject;

/// <summary>A patch body with its content type.</summary>
public sealed record KubePatch(string ContentType, string Body)
{
    /// <summary>RFC 7386 JSON merge patch.</summary>
    public static KubePatch Merge(string json) => new("application/merge-patch+json", json);
    public static KubePatch Merge(System.Text.Json.Nodes.JsonNode json) => Merge(json.ToJsonString());
    /// <summary>RFC 6902 JSON patch (supports "test" for preconditions).</summary>
    public static KubePatch Json(string json) => new("application/json-patch+json", json);
    public static KubePatch Json(System.Text.Json.Nodes.JsonArray ops) => Json(ops.ToJsonString());
}
