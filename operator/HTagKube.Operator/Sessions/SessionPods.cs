using System.Collections.Concurrent;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using HTagKube.Kubernetes.Runtime;
using k8s;
using k8s.Models;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// Finds a session's pod, its own or a warm pod it claimed, from the leader's pod informer. A stale cache is harmless:
/// creates answer AlreadyExists, deletes carry the pod's uid, and every pod event re-reconciles; what the cache
/// cannot show yet (a pod created or claimed moments ago) is remembered here and read from the API.
/// </summary>
public sealed class SessionPods(IKubernetes kube, Informer<V1Pod> pods)
{
    readonly ConcurrentDictionary<string, string> _claimed = new();         // session uid → warm pod it claimed
    readonly ConcurrentDictionary<string, DateTimeOffset> _coldCreated = new(); // session uid → when we created its own pod

    /// <summary>The session just claimed <paramref name="warm"/>.</summary>
    public void Claimed(HTagSession s, V1Pod warm) => _claimed[s.Metadata.Uid] = warm.Metadata.Name;

    /// <summary>The session's own pod is being created now.</summary>
    public void CreatingOwn(HTagSession s) => _coldCreated[s.Metadata.Uid] = DateTimeOffset.UtcNow;

    /// <summary>The session is gone.</summary>
    public void Forget(HTagSession s)
    {
        _claimed.TryRemove(s.Metadata.Uid ?? "", out _);
        _coldCreated.TryRemove(s.Metadata.Uid ?? "", out _);
    }

    /// <summary>
    /// The session's pod: its own (named after it) or a warm pod it claimed (named in status.podName, owned by it).
    /// The cache may not show a claim made moments ago, so a claimed pod missing there is read from the API.
    /// </summary>
    public async Task<V1Pod?> FindAsync(HTagSession s, CancellationToken ct)
    {
        var ns = s.Metadata.NamespaceProperty;
        var own = SessionManifests.PodName(s);
        var pod = pods.Get(ns, own);
        if (pod is not null) return pod;
        // Created moments ago and not in the cache yet: read it rather than claim a warm pod beside it.
        if (_coldCreated.TryGetValue(s.Metadata.Uid!, out var at) && DateTimeOffset.UtcNow - at < TimeSpan.FromSeconds(30)
            && await ReadPodAsync(ns, own, ct) is { } fresh)
            return fresh;
        var claimed = _claimed.GetValueOrDefault(s.Metadata.Uid!) ?? s.Status?.PodName;
        if (claimed is null || claimed == own)
            // A claim whose status write was lost (operator restart): the pod still names its owner.
            return pods.List().FirstOrDefault(p =>
                p.Metadata.NamespaceProperty == ns && p.Metadata.DeletionTimestamp is null && OwnedBy(p, s));
        pod = pods.Get(ns, claimed);
        if (pod is not null && OwnedBy(pod, s)) return pod;
        if (pod is null && _claimed.GetValueOrDefault(s.Metadata.Uid!) != claimed) return null; // gone (not ours to re-read)
        pod = await ReadPodAsync(ns, claimed, ct);
        if (pod is not null && OwnedBy(pod, s)) return pod;
        _claimed.TryRemove(s.Metadata.Uid!, out _);
        return null;
    }

    Task<V1Pod?> ReadPodAsync(string ns, string name, CancellationToken ct) =>
        kube.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: ct).OrNullIfNotFound();

    static bool OwnedBy(V1Pod p, HTagSession s) =>
        p.Metadata.OwnerReferences?.Any(r => r.Controller == true && r.Uid == s.Metadata.Uid) == true;
}
