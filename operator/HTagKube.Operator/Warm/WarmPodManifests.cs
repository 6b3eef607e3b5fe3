using System.Security.Cryptography;
using HTagKube.Api.V1Alpha1;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Sessions;
using HTagKube.Kubernetes.Runtime;
using k8s.Models;

namespace HTagKube.Operator.Warm;

/// <summary>
/// What a warm-pool pod is: an unassigned userpod (no user label, no owner, a token Secret of their own) built by the same
/// hardened pod builder as session pods, and the patches that hand it to a session (<see cref="WarmPool"/> applies them).
/// </summary>
public static class WarmPodManifests
{
    /// <summary><c>true</c> while in the pool; <c>claimed</c> once a session owns the pod.</summary>
    public const string WarmLabel = "htagkube.io/warm";
    public const string Warm = "true";
    public const string Claimed = "claimed";
    public const string NamePrefix = "hw-";

    public static string NewName() => NamePrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public static string SecretName(string podName) => podName + "-token";

    static Dictionary<string, string> Labels() => new()
    {
        [WarmLabel] = Warm,
        ["app.kubernetes.io/name"] = "htagkube-userpod",
        ["app.kubernetes.io/managed-by"] = SessionManifests.ManagedBy,
    };

    public static V1Secret Secret(string podName, string? ns) => new()
    {
        Metadata = new V1ObjectMeta { Name = SecretName(podName), NamespaceProperty = ns, Labels = Labels() },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { [SessionManifests.TokenKey] = System.Text.Encoding.UTF8.GetBytes(SessionManifests.NewToken()) },
    };

    /// <summary>
    /// Default image and resources: a session asking for others cannot use a warm pod. <c>HTAG_WARMUP=1</c>: the
    /// userpod renders its apps once (then forgets them) before /readyz answers, and only Ready pods are claimed,
    /// so a user's first page meets compiled code.
    /// </summary>
    public static V1Pod Pod(string name, string? ns, OperatorOptions o)
    {
        var pod = SessionManifests.HardenedPod(name, ns, Labels(), null, o.Image, null, SecretName(name), o);
        pod.Spec.Containers[0].Env!.Add(new V1EnvVar { Name = WarmUpEnv, Value = "1" });
        return pod;
    }

    /// <summary>The userpod setting that renders every app once before readiness (HTagOptions.WarmUp).</summary>
    public const string WarmUpEnv = "HTAG_WARMUP";

    /// <summary>In the pool: labelled warm, owned by nobody, not terminating.</summary>
    public static bool IsWarm(V1Pod p) =>
        p.Metadata.Labels is { } labels && labels.TryGetValue(WarmLabel, out var v) && v == Warm && p.Metadata.OwnerReferences is null or { Count: 0 }
        && p.Metadata.DeletionTimestamp is null;

    /// <summary>Could this session run on a warm pod (same image, default resources, same namespace)?</summary>
    public static bool Fits(HTagSession s, string ns, OperatorOptions o) =>
        s.Metadata.NamespaceProperty == ns
        && (string.IsNullOrEmpty(s.Spec.Image) || s.Spec.Image == o.Image)
        && s.Spec.Resources?.Requests is null or { Count: 0 } && s.Spec.Resources?.Limits is null or { Count: 0 };

    /// <summary>The Secret a pod's HTAG_TOKEN comes from.</summary>
    public static string? TokenSecretName(V1Pod p) =>
        p.Spec.Containers.SelectMany(c => c.Env ?? []).FirstOrDefault(e => e.Name == "HTAG_TOKEN")?.ValueFrom?.SecretKeyRef?.Name;

    /// <summary>
    /// The claim patch: carries the resourceVersion the claimer saw (the API server answers 409 Conflict if the pod changed
    /// since, e.g. another claimer won), sets the session as controller owner and puts the user/session labels on. Without
    /// a resourceVersion (the token Secret, adopted after the pod) it applies unconditionally.
    /// </summary>
    public static V1Patch ClaimPatch(HTagSession s, string? resourceVersion) => MetadataPatch.Merge(new V1ObjectMeta
    {
        ResourceVersion = resourceVersion,
        Labels = new Dictionary<string, string>
        {
            [WarmLabel] = Claimed, [SessionNames.UserLabel] = s.Spec.UserKey, [SessionNames.SessionLabel] = s.Metadata.Name!,
        },
        OwnerReferences = [SessionManifests.OwnerOf(s)],
    });

    /// <summary>While in the pool the Secret is owned by its pod: deleting the pod (or losing it) collects the Secret.</summary>
    public static V1Patch OwnedByPodPatch(V1Pod pod) => MetadataPatch.Merge(new V1ObjectMeta
    {
        OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name!, Uid = pod.Metadata.Uid!, BlockOwnerDeletion = false }],
    });
}
