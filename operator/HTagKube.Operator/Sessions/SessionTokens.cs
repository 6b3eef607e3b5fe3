using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Pods;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// A session's token: its own Secret (made once, before its own pod, which reads it), or the Secret of the warm pod
/// it claimed. The route carries the token of the Secret the pod actually reads. Secrets are read from the leader's
/// Secret informer (it holds every Secret the operator labels), so a start costs no Secret read; the API is asked only
/// when the cache does not have it yet (a create that finds it exists, a claimed warm pod's Secret not yet seen).
/// </summary>
public sealed class SessionTokens(IKubernetes kube, Informer<V1Secret> secrets)
{
    /// <summary>The session's own token Secret, created when missing; its token.</summary>
    public async Task<string> EnsureOwnAsync(HTagSession s, CancellationToken ct)
    {
        var ns = s.Metadata.NamespaceProperty;
        var name = SessionManifests.SecretName(s);
        var secret = secrets.Get(ns, name);
        if (secret is null)
        {
            try { secret = await kube.CoreV1.CreateNamespacedSecretAsync(SessionManifests.Secret(s), ns, cancellationToken: ct); }
            catch (HttpOperationException e) when (e.IsConflict())
            {
                secret = await kube.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct); // made, not yet cached
            }
        }
        return UserpodPod.TokenOf(secret);
    }

    /// <summary>The token <paramref name="pod"/> serves with (the Secret never changes, so it is read only to publish).</summary>
    public async Task<string> OfPodAsync(HTagSession s, V1Pod pod, CancellationToken ct)
    {
        var name = UserpodPod.TokenSecretName(pod);
        if (name is null || name == SessionManifests.SecretName(s)) return await EnsureOwnAsync(s, ct);
        var ns = s.Metadata.NamespaceProperty;
        return UserpodPod.TokenOf(secrets.Get(ns, name) ?? await kube.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct));
    }
}
