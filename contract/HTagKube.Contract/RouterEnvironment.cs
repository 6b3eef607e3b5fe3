namespace HTagKube.Contract;

/// <summary>Environment variables the router reads (the chart sets them).</summary>
public static class RouterEnvironment
{
    /// <summary>Redis connection string (as <c>--redis</c>).</summary>
    public const string Redis = "HTAGKUBE_REDIS";

    /// <summary>Namespace of the HTagSessions (Kubernetes mode).</summary>
    public const string Namespace = "HTAGKUBE_NAMESPACE";

    /// <summary>Image of new HTagSessions (Kubernetes mode); unset = the operator's default.</summary>
    public const string UserpodImage = "HTAGKUBE_USERPOD_IMAGE";

    /// <summary>The OpenID Connect client secret when no <c>--oidc-client-secret-file</c> is given.</summary>
    public const string OidcClientSecret = "HTAGKUBE_OIDC_CLIENT_SECRET";

    /// <summary>The router pod's IP (the chart sets it from <c>status.podIP</c>): userpods reach the router's state endpoint
    /// there (<see cref="StateProtocol"/>).</summary>
    public const string PodIp = "HTAGKUBE_POD_IP";
}
