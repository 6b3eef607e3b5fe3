namespace HTagKube.Contract;

/// <summary>Names of the Kubernetes objects and labels the operator writes and the router and chart rely on.</summary>
public static class KubernetesNames
{
    /// <summary>Label: the userKey a session, pod or Secret belongs to (never the uid).</summary>
    public const string UserLabel = "htagkube.io/user";

    /// <summary>Label: the HTagSession a pod or Secret belongs to.</summary>
    public const string SessionLabel = "htagkube.io/session";

    /// <summary>Label: <c>true</c> on an unclaimed warm pod, <c>claimed</c> once a session took it.</summary>
    public const string WarmLabel = "htagkube.io/warm";

    /// <summary>Finalizer that clears a session's route.</summary>
    public const string RouteFinalizer = "htagkube.io/route";

    /// <summary>
    /// HTagSession annotation: the warm pod a router took for the session (a warm-pod offer) and already routes the user
    /// to; the operator hands that pod to the session.
    /// </summary>
    public const string WarmPodAnnotation = "htagkube.io/warm-pod";

    /// <summary>Suffix of a pod's token Secret: <c>{session or warm pod name}-token</c>.</summary>
    public const string TokenSecretSuffix = "-token";

    /// <summary>Key of the token in that Secret.</summary>
    public const string TokenSecretKey = "token";

    /// <summary>The token Secret of the object named <paramref name="owner"/>.</summary>
    public static string TokenSecretName(string owner) => owner + TokenSecretSuffix;
}
