using System.Net;
using HTagKube.Kubernetes.Models;

namespace HTagKube.Kubernetes.Client;

/// <summary>A Kubernetes API error, carrying the server's metav1.Status.</summary>
public class KubeApiException(HttpStatusCode code, Status? status, string message) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = code;
    public Status? Status { get; } = status;
    public string? Reason => Status?.Reason;

    internal static KubeApiException From(HttpStatusCode code, Status? status, string what)
    {
        var msg = $"{what}: {(int)code} {status?.Reason} {status?.Message}".TrimEnd();
        return code switch
        {
            HttpStatusCode.NotFound => new KubeNotFoundException(status, msg),
            HttpStatusCode.Conflict when status?.Reason == "AlreadyExists" => new KubeAlreadyExistsException(status, msg),
            HttpStatusCode.Conflict => new KubeConflictException(status, msg),
            HttpStatusCode.Gone => new KubeGoneException(status, msg),
            HttpStatusCode.Forbidden => new KubeForbiddenException(status, msg),
            HttpStatusCode.UnprocessableEntity => new KubeInvalidException(status, msg),
            _ => new KubeApiException(code, status, msg),
        };
    }
}

public sealed class KubeNotFoundException(Status? s, string m) : KubeApiException(HttpStatusCode.NotFound, s, m);

/// <summary>409 on a stale resourceVersion (optimistic concurrency lost).</summary>
public sealed class KubeConflictException(Status? s, string m) : KubeApiException(HttpStatusCode.Conflict, s, m);

/// <summary>409 AlreadyExists on create.</summary>
public sealed class KubeAlreadyExistsException(Status? s, string m) : KubeApiException(HttpStatusCode.Conflict, s, m);

/// <summary>410: the resourceVersion is too old (compacted); the caller must relist.</summary>
public sealed class KubeGoneException(Status? s, string m) : KubeApiException(HttpStatusCode.Gone, s, m);

public sealed class KubeForbiddenException(Status? s, string m) : KubeApiException(HttpStatusCode.Forbidden, s, m);

public sealed class KubeInvalidException(Status? s, string m) : KubeApiException(HttpStatusCode.UnprocessableEntity, s, m);
