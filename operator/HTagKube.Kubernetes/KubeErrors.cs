using System.Net;
using k8s.Autorest;

namespace HTagKube.Kubernetes;

/// <summary>What an API error means to the caller (KubernetesClient throws <see cref="HttpOperationException"/>).</summary>
public static class KubeErrors
{
    /// <summary>The status code of an API answer, or null for a transport error.</summary>
    public static HttpStatusCode? StatusOf(Exception e) => e switch
    {
        HttpOperationException h => h.Response?.StatusCode,
        k8s.KubernetesException { Status.Code: { } code } => (HttpStatusCode)code,
        _ => null,
    };

    /// <summary>404: the object does not exist.</summary>
    public static bool IsNotFound(this Exception e) => StatusOf(e) == HttpStatusCode.NotFound;

    /// <summary>409: AlreadyExists on create, or a stale resourceVersion (optimistic concurrency lost).</summary>
    public static bool IsConflict(this Exception e) => StatusOf(e) == HttpStatusCode.Conflict;

    /// <summary>410: the resourceVersion is too old (compacted); a watch must relist.</summary>
    public static bool IsGone(this Exception e) => StatusOf(e) == HttpStatusCode.Gone;

    /// <summary>The object, or null when the API answers 404.</summary>
    public static async Task<T?> OrNullIfNotFound<T>(this Task<T> read) where T : class
    {
        try { return await read; }
        catch (HttpOperationException e) when (e.IsNotFound()) { return null; }
    }
}
