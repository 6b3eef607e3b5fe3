using HTagKube.Api.V1Alpha1;
using HTagKube.Contract;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Pods;
using k8s.Models;

namespace HTagKube.Operator.Sessions;

/// <summary>A session's own pod and token Secret (when it starts cold), built by <see cref="UserpodPod"/>.</summary>
public static class SessionManifests
{
    /// <summary>The session's own token Secret.</summary>
    public static string SecretName(HTagSession s) => KubernetesNames.TokenSecretName(s.Metadata.Name!);

    /// <summary>One pod name per session: the API server's name uniqueness rules out duplicate pods.</summary>
    public static string PodName(HTagSession s) => s.Metadata.Name!;

    /// <summary>The session's own token Secret, with a new token.</summary>
    public static V1Secret Secret(HTagSession s) =>
        UserpodPod.TokenSecret(SecretName(s), s.Metadata.NamespaceProperty, UserpodPod.Labels(UserpodPod.SessionLabels(s)),
            UserpodPod.OwnerOf(s));

    /// <summary>The session's own pod: its image and resources, else the operator's defaults.</summary>
    public static V1Pod Pod(HTagSession s, OperatorOptions o) =>
        UserpodPod.Build(PodName(s), s.Metadata.NamespaceProperty, UserpodPod.Labels(UserpodPod.SessionLabels(s)), UserpodPod.OwnerOf(s),
            Image(s, o), s.Spec.Resources, SecretName(s), o);

    /// <summary>The image the session's pod should run now: its spec's, else the operator's.</summary>
    public static string Image(HTagSession s, OperatorOptions o) => string.IsNullOrEmpty(s.Spec.Image) ? o.Image : s.Spec.Image;
}
