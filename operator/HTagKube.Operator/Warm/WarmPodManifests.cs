using System.Security.Cryptography;
using HTagKube.Api.V1Alpha1;
using HTagKube.Contract;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Pods;
using k8s.Models;

namespace HTagKube.Operator.Warm;

/// <summary>
/// What a warm-pool pod is: an unassigned userpod (no user label, no owner, a token Secret of their own) built by the same
/// hardened pod builder as session pods (<see cref="UserpodPod"/>), and the patches that hand it to a session
/// (<see cref="WarmPool"/> applies them).
/// </summary>
public static class WarmPodManifests
{
    /// <summary><c>true</c> while in the pool; <c>claimed</c> once a session owns the pod.</summary>
    public const string WarmLabel = KubernetesNames.WarmLabel;

    /// <summary>The <see cref="WarmLabel"/> value of a pod in the pool.</summary>
    public const string Warm = "true";

    /// <summary>The <see cref="WarmLabel"/> value of a pod a session claimed.</summary>
    public const string Claimed = "claimed";

    /// <summary>Warm pod names start with it (session pods: <c>hs-</c>).</summary>
    public const string NamePrefix = "hw-";

    /// <summary>The userpod setting that renders every app once before readiness (HTagOptions.WarmUp).</summary>
    public const string WarmUpEnv = UserpodEnvironment.WarmUp;

    /// <summary>A new warm pod name.</summary>
    public static string NewName() => NamePrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    /// <summary>The token Secret of a warm pod.</summary>
    public static string SecretName(string podName) => KubernetesNames.TokenSecretName(podName);

    /// <summary>The pod named by a warm token Secret's name; null when it is not one.</summary>
    public static string? PodNameOf(string secretName) =>
        secretName.EndsWith(KubernetesNames.TokenSecretSuffix, StringComparison.Ordinal)
            ? secretName[..^KubernetesNames.TokenSecretSuffix.Length]
            : null;

    /// <summary>A warm pod's token Secret, with a new token (owned by the pod once it exists).</summary>
    public static V1Secret Secret(string podName, string? ns) =>
        UserpodPod.TokenSecret(SecretName(podName), ns, UserpodPod.Labels((WarmLabel, Warm)), null);

    /// <summary>
    /// Default image and resources: a session asking for others cannot use a warm pod. <c>HTAG_WARMUP=1</c>: the
    /// userpod renders its apps once (then forgets them) before /readyz answers, and a session's route is published
    /// only once its pod is Ready (a pod claimed while starting too), so a user's first page meets compiled code.
    /// </summary>
    public static V1Pod Pod(string name, string? ns, OperatorOptions o)
    {
        var pod = UserpodPod.Build(name, ns, UserpodPod.Labels((WarmLabel, Warm)), null, o.Image, null, SecretName(name), o);
        pod.Spec.Containers[0].Env!.Add(new V1EnvVar { Name = WarmUpEnv, Value = "1" });
        return pod;
    }

    /// <summary>In the pool: labelled warm, owned by nobody, not terminating.</summary>
    public static bool IsWarm(V1Pod p) =>
        p.Metadata.Labels is { } labels && labels.TryGetValue(WarmLabel, out var v) && v == Warm
        && p.Metadata.OwnerReferences is null or { Count: 0 } && p.Metadata.DeletionTimestamp is null;

    /// <summary>Could this session run on a warm pod (same image, default resources, same namespace)?</summary>
    public static bool Fits(HTagSession s, string ns, OperatorOptions o) =>
        s.Metadata.NamespaceProperty == ns
        && (string.IsNullOrEmpty(s.Spec.Image) || s.Spec.Image == o.Image)
        && s.Spec.Resources?.Requests is null or { Count: 0 } && s.Spec.Resources?.Limits is null or { Count: 0 };

    /// <summary>
    /// The claim patch: carries the resourceVersion the claimer saw (the API server answers 409 Conflict if the pod changed
    /// since, e.g. another claimer won), sets the session as controller owner and puts the user/session labels on. Without
    /// a resourceVersion (the token Secret, adopted after the pod) it applies unconditionally.
    /// </summary>
    public static V1Patch ClaimPatch(HTagSession s, string? resourceVersion)
    {
        var labels = new Dictionary<string, string> { [WarmLabel] = Claimed };
        foreach (var (key, value) in UserpodPod.SessionLabels(s)) labels[key] = value;
        return MetadataPatch.Merge(new V1ObjectMeta
        {
            ResourceVersion = resourceVersion, Labels = labels, OwnerReferences = [UserpodPod.OwnerOf(s)],
        });
    }

    /// <summary>While in the pool the Secret is owned by its pod: deleting the pod (or losing it) collects the Secret.</summary>
    public static V1Patch OwnedByPodPatch(V1Pod pod) => MetadataPatch.Merge(new V1ObjectMeta
    {
        OwnerReferences =
        [
            new V1OwnerReference
            {
                ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name!, Uid = pod.Metadata.Uid!, BlockOwnerDeletion = false,
            },
        ],
    });
}
