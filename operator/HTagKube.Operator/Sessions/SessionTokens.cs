using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using HTagKube.Operator.Pods;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// A session's token: its own Secret (made once, before its own pod, which reads it), or the Secret of the warm pod
/// it claimed. The route carries the token of the Secret the pod actually reads.
/// </summary>
public sealed class SessionTokens(IKubernetes kube)
{
    /// <summary>The session's own token Secret, created when missing; its token.</summary>
    public async Task<string> EnsureOwnAsync(HTagSession s, CancellationToken ct)
    {
        var ns = s.Metadata.NamespaceProperty;
        var name = SessionManifests.SecretName(s);
        var secret = await kube.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct).OrNullIfNotFound();
        if (secret is null)
        {
            try { secret = await kube.CoreV1.CreateNamespacedSecretAsync(SessionManifests.Secret(s), ns, cancellationToken: ct); }
            catch (HttpOperationException e) when (e.IsConflict())
            {
                secret = await kube.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct);
            }
        }
        return UserpodPod.TokenOf(secret);
    }

    /// <summary>The token <paramref name="pod"/> serves with (the Secret never changes, so it is read only to publish).</summary>
    public async Task<string> OfPodAsync(HTagSession s, V1Pod pod, CancellationToken ct)
    {
        var name = UserpodPod.TokenSecretName(pod);
        if (name is null || name == SessionManifests.SecretName(s)) return await EnsureOwnAsync(s, ct);
        return UserpodPod.TokenOf(await kube.CoreV1.ReadNamespacedSecretAsync(name, s.Metadata.NamespaceProperty, cancellationToken: ct));
    }
}
