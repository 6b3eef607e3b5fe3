using System.Collections.Concurrent;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Pods;
using HTagKube.Operator.Warm;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// A session's pod from start to failure: claim a warm pod or create its own (with its token Secret), judge a pod that
/// will never serve (failed, or not Ready within the start timeout), delete it and recreate it after an exponential
/// backoff. Fills the pod's part of the status; the route is <see cref="Routes.SessionRoutes"/>'.
/// </summary>
public sealed class SessionPodLifecycle(IKubernetes kube, OperatorOptions o, WarmPool pool, SessionPods pods, SessionTokens tokens,
    OperatorMetrics metrics, ILogger<SessionPodLifecycle> log)
{
    sealed class Failures { public int Count; public DateTimeOffset NotBefore; public string? DeletedPodUid; }

    readonly ConcurrentDictionary<string, Failures> _failures = new(); // by session uid

    Failures Of(HTagSession s) => _failures.GetOrAdd(s.Metadata.Uid!, _ => new Failures());

    /// <summary>The session's pod (<see cref="SessionPods"/>), else a warm pod it claims now (outside a backoff); else null.</summary>
    public async Task<V1Pod?> FindOrClaimAsync(HTagSession s, DateTimeOffset now, CancellationToken ct)
    {
        if (await pods.FindAsync(s, ct) is { } pod) return pod;
        if (Of(s).NotBefore > now || await pool.ClaimAsync(s, ct) is not { } warm) return null;
        pods.Claimed(s, warm); // Ready: its route is published in this same reconcile; starting: once its Ready event comes
        return warm;
    }

    /// <summary>No pod: its own pod is created (token Secret first), unless a backoff holds it back.</summary>
    public async Task<ReconcileResult> StartOwnAsync(HTagSession s, HTagSessionStatus status, DateTimeOffset now, CancellationToken ct)
    {
        var failures = Of(s);
        if (failures.NotBefore > now)
        {
            status.Phase = SessionPhase.Failed;
            return ReconcileResult.After(failures.NotBefore - now);
        }
        await tokens.EnsureOwnAsync(s, ct); // the pod's token comes from it
        pods.CreatingOwn(s);
        try { await kube.CoreV1.CreateNamespacedPodAsync(SessionManifests.Pod(s, o), s.Metadata.NamespaceProperty, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.IsConflict()) { } // stale cache: the pod is there, its event follows
        status.Phase = SessionPhase.Pending;
        status.Message = PodHealth.PendingMessage; // as its first events will say: no status write for them
        return ReconcileResult.Done;
    }

    /// <summary>Terminating, or deleted by us and not yet gone from the cache.</summary>
    public bool IsGoing(HTagSession s, V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is not null || pod.Metadata.Uid == Of(s).DeletedPodUid;

    /// <summary>
    /// Why the pod will never serve this session, or null. The start timeout counts only for a pod that never became
    /// Ready for it: a readiness flap of a serving pod (a busy userpod) is not a start failure.
    /// </summary>
    public static string? FailureOf(V1Pod pod, HTagSessionStatus status, TimeSpan startTimeout, DateTimeOffset now) =>
        PodHealth.Failure(pod)
        ?? (status.Phase != SessionPhase.Ready && !(status.ReadySince >= pod.Metadata.CreationTimestamp)
            ? PodHealth.StartTimedOut(pod, now, startTimeout) : null);

    /// <summary>The pod failed: it is deleted and recreated after the backoff.</summary>
    public async Task<ReconcileResult> FailAsync(HTagSession s, HTagSessionStatus status, V1Pod pod, string why, DateTimeOffset now,
        CancellationToken ct)
    {
        var failures = Of(s);
        failures.Count++;
        var delay = Backoff.Delay(failures.Count, o.RecreateBackoff, o.RecreateBackoffMax);
        failures.NotBefore = now + delay;
        metrics.PodFailures.Add(1);
        log.LogWarning("session {Session}: {Why}; recreating the pod in {Delay}", s.Metadata.Name, why, delay);
        await UserpodPod.DeleteAsync(kube, pod, ct);
        failures.DeletedPodUid = pod.Metadata.Uid;
        status.Phase = SessionPhase.Failed;
        status.Message = $"{why}; recreating in {delay.TotalSeconds:F0}s";
        status.Restarts = (status.Restarts ?? 0) + 1;
        return ReconcileResult.After(delay);
    }

    /// <summary>
    /// Not Ready yet: Pending or Starting. Pod events bring the session back; this wake-up enforces the start timeout
    /// (never a hot loop).
    /// </summary>
    public ReconcileResult Waiting(HTagSessionStatus status, V1Pod pod, DateTimeOffset now)
    {
        var running = pod.Status?.Phase == "Running";
        status.Phase = running ? SessionPhase.Starting : SessionPhase.Pending;
        status.PodIP = running ? pod.Status?.PodIP : null; // a Pending pod's address (sandbox made) would be one more write
        status.Message = PodHealth.Waiting(pod);
        var left = PodHealth.StartTimeLeft(pod, now, o.PodStartTimeout);
        return ReconcileResult.After(left > TimeSpan.Zero ? left + TimeSpan.FromSeconds(1) : o.RouteCheck);
    }

    /// <summary>The pod serves: failures are forgotten, container restarts counted.</summary>
    public void Serving(HTagSession s, HTagSessionStatus status, V1Pod pod)
    {
        Of(s).Count = 0;
        status.Restarts = Math.Max(status.Restarts ?? 0, pod.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0);
    }

    /// <summary>The session is gone.</summary>
    public void Forget(HTagSession s)
    {
        _failures.TryRemove(s.Metadata.Uid ?? "", out _);
        pods.Forget(s);
    }
}
