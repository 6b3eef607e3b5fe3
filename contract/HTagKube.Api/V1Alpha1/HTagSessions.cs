using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace HTagKube.Api.V1Alpha1;

/// <summary>htagsessions.htagkube.io/v1alpha1 through the client's custom-object API (JSON: the client's serializer).</summary>
public static class HTagSessions
{
    /// <summary>Condition type mirrored from the pod's readiness.</summary>
    public const string ReadyCondition = "Ready";

    const string G = HTagSession.Group, V = HTagSession.Version, P = HTagSession.Plural;

    /// <summary>GET one session.</summary>
    public static Task<HTagSession> ReadSessionAsync(this IKubernetes kube, string ns, string name, CancellationToken ct) =>
        kube.CustomObjects.GetNamespacedCustomObjectAsync<HTagSession>(G, V, ns, P, name, ct);

    /// <summary>LIST sessions (one page).</summary>
    public static Task<HTagSessionList> ListSessionsAsync(this IKubernetes kube, string ns, string? labelSelector, CancellationToken ct,
        string? continueToken = null, int? limit = null) =>
        kube.CustomObjects.ListNamespacedCustomObjectAsync<HTagSessionList>(G, V, ns, P, continueParameter: continueToken,
            labelSelector: labelSelector, limit: limit, cancellationToken: ct);

    /// <summary>One watch stream from <paramref name="resourceVersion"/> (the client's watch; objects read with its serializer).</summary>
    public static async IAsyncEnumerable<(WatchEventType, HTagSession)> WatchSessionsAsync(this IKubernetes kube, string ns,
        string? labelSelector, string resourceVersion, int timeoutSeconds, Action<Exception> onError,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (type, obj) in kube.CustomObjects.WatchListNamespacedCustomObjectAsync(G, V, ns, P, allowWatchBookmarks: true,
                           labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError,
                           cancellationToken: ct))
        {
            if (obj is JsonElement json) yield return (type, KubernetesJson.Deserialize<HTagSession>(json.GetRawText()));
        }
    }

    /// <summary>CREATE (409 when it exists).</summary>
    public static Task<HTagSession> CreateSessionAsync(this IKubernetes kube, HTagSession s, CancellationToken ct) =>
        kube.CustomObjects.CreateNamespacedCustomObjectAsync<HTagSession>(s, G, V, s.Metadata.NamespaceProperty, P, cancellationToken: ct);

    /// <summary>PATCH the session (spec, metadata).</summary>
    public static Task<HTagSession> PatchSessionAsync(this IKubernetes kube, V1Patch patch, string ns, string name, CancellationToken ct) =>
        kube.CustomObjects.PatchNamespacedCustomObjectAsync<HTagSession>(patch, G, V, ns, P, name, cancellationToken: ct);

    /// <summary>
    /// PUT on the status subresource (spec changes are ignored by the server; 409 when metadata.resourceVersion is stale).
    /// </summary>
    public static Task<HTagSession> ReplaceSessionStatusAsync(this IKubernetes kube, HTagSession s, CancellationToken ct) =>
        kube.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<HTagSession>(s, G, V, s.Metadata.NamespaceProperty, P, s.Metadata.Name,
            cancellationToken: ct);

    /// <summary>DELETE; false when the session was already gone.</summary>
    public static async Task<bool> DeleteSessionAsync(this IKubernetes kube, string ns, string name, V1DeleteOptions? options,
        CancellationToken ct)
    {
        try
        {
            await kube.CustomObjects.DeleteNamespacedCustomObjectAsync<V1Status>(G, V, ns, P, name, options, cancellationToken: ct);
            return true;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response?.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
