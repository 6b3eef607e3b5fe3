using System.Security.Cryptography;
using System.Text.Json.Nodes;
using HTagKube.Routing.Identity;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Sessions;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Operator.Warm;

/// <summary>
/// Warm-pool pods: unassigned userpods (no user label, no owner, a token Secret of their own) built by the same
/// hardened pod builder as session pods, and the one optimistic step that hands one to a session.
/// </summary>
public static class WarmPods
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
    /// The claim, in ONE optimistic write: a merge patch carrying the resourceVersion the caller saw (the API
    /// server answers 409 Conflict if the pod changed since, e.g. another claimer won) that sets the session as
    /// controller owner and puts the user/session labels on. Null when someone else got it (409) or it is gone.
    /// </summary>
    public static async Task<V1Pod?> TryClaimAsync(IKubernetes kube, V1Pod warm, HTagSession s, CancellationToken ct)
    {
        if (!IsWarm(warm) || warm.Metadata.ResourceVersion is not { Length: > 0 } rv) return null;
        var owner = SessionManifests.OwnerOf(s);
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = rv,
                ["labels"] = new JsonObject
                {
                    [WarmLabel] = Claimed,
                    [SessionNames.UserLabel] = s.Spec.UserKey,
                    [SessionNames.SessionLabel] = s.Metadata.Name,
                },
                ["ownerReferences"] = OwnerJson(owner),
            },
        };
        try { return await kube.CoreV1.PatchNamespacedPodAsync(Merge(patch), warm.Metadata.Name, warm.Metadata.NamespaceProperty, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.IsConflict() || e.IsNotFound()) { return null; }
    }

    /// <summary>After a claim: the token Secret belongs to the session too (labels and controller owner).</summary>
    public static Task<V1Secret> AdoptSecretAsync(IKubernetes kube, V1Pod claimed, HTagSession s, CancellationToken ct)
    {
        var name = TokenSecretName(claimed) ?? throw new InvalidOperationException($"pod {claimed.Metadata.Name} has no token secret");
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["labels"] = new JsonObject
                {
                    [WarmLabel] = Claimed,
                    [SessionNames.UserLabel] = s.Spec.UserKey,
                    [SessionNames.SessionLabel] = s.Metadata.Name,
                },
                ["ownerReferences"] = OwnerJson(SessionManifests.OwnerOf(s)),
            },
        };
        return kube.CoreV1.PatchNamespacedSecretAsync(Merge(patch), name, claimed.Metadata.NamespaceProperty, cancellationToken: ct);
    }

    /// <summary>While in the pool the Secret is owned by its pod: deleting the pod (or losing it) collects the Secret.</summary>
    public static Task<V1Secret> OwnSecretByPodAsync(IKubernetes kube, V1Pod pod, CancellationToken ct)
    {
        var owner = new V1OwnerReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name!, Uid = pod.Metadata.Uid!, BlockOwnerDeletion = false };
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = OwnerJson(owner) } };
        return kube.CoreV1.PatchNamespacedSecretAsync(Merge(patch), SecretName(pod.Metadata.Name), pod.Metadata.NamespaceProperty, cancellationToken: ct);
    }

    static V1Patch Merge(JsonObject patch) => new(patch.ToJsonString(), V1Patch.PatchType.MergePatch);

    static JsonArray OwnerJson(V1OwnerReference o)
    {
        var ref_ = new JsonObject { ["apiVersion"] = o.ApiVersion, ["kind"] = o.Kind, ["name"] = o.Name, ["uid"] = o.Uid };
        if (o.Controller is { } c) ref_["controller"] = c;
        if (o.BlockOwnerDeletion is { } b) ref_["blockOwnerDeletion"] = b;
        return [ref_];
    }
}
