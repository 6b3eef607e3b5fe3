using System.Collections.Concurrent;
using System.Text.Json;
using HTagKube.Routing.Identity;
using HTagKube.Routing;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Warm;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// HTagSession → Secret + Pod + route, level-triggered (deletion: <see cref="SessionFinalizer"/>). The session is the source of truth; Redis is an index:
/// a route that vanished in the epoch it was published in has expired (idle TTL → delete the session);
/// one missing because the epoch changed (Redis lost its data) is re-published, never a reason to delete.
/// </summary>
public sealed class SessionReconciler(
    IKubernetes kube, IRouteTable routes, OperatorOptions o, OperatorMetrics metrics, WarmPool pool, SessionPods pods, ILogger log)
    : IEntityController<HTagSession>
{
    sealed class Failures { public int Count; public DateTimeOffset NotBefore; public string? DeletedPodUid; }

    readonly ConcurrentDictionary<string, Failures> _failures = new();      // by session uid
    readonly ConcurrentDictionary<string, DateTimeOffset> _activitySynced = new();

    public async Task<ReconcileResult> ReconcileAsync(HTagSession s, CancellationToken ct)
    {
        var name = s.Metadata.Name!;
        var ns = s.Metadata.NamespaceProperty;
        var userKey = s.Spec.UserKey;
        if (!UserKey.IsWellFormed(userKey))
        {
            var bad = Clone(s.Status);
            bad.Phase = SessionPhase.Failed;
            bad.Message = "spec.userKey is not a userKey";
            await WriteStatusAsync(s, bad, ct);
            return ReconcileResult.Done;
        }

        var pod = await pods.FindAsync(s, ct);
        var status = Clone(s.Status);
        status.User = userKey[..8];
        status.DisplayName = s.Spec.DisplayName;
        status.Port = o.UserpodPort;
        status.ObservedGeneration = s.Metadata.Generation;
        var now = WholeSecondsTimeConverter.Truncate(DateTimeOffset.UtcNow); // status times are whole seconds
        var result = ReconcileResult.Done;
        var failures = _failures.GetOrAdd(s.Metadata.Uid!, _ => new Failures());
        if (pod is null && failures.NotBefore <= now && await pool.ClaimAsync(s, ct) is { } warm)
        {
            // Already Ready: the route is published below, in this same reconcile.
            pods.Claimed(s, warm);
            pod = warm;
        }
        status.PodName = pod?.Metadata.Name ?? SessionManifests.PodName(s);

        if (pod is null)
        {
            await RemoveRouteAsync(userKey, status.PodIP, ct);
            status.PodIP = null;
            if (failures.NotBefore > now)
            {
                status.Phase = SessionPhase.Failed;
                result = ReconcileResult.After(failures.NotBefore - now);
            }
            else
            {
                await EnsureTokenAsync(s, ct); // the pod's HTAG_TOKEN comes from it
                pods.CreatingOwn(s);
                try { await kube.CoreV1.CreateNamespacedPodAsync(SessionManifests.Pod(s, o), ns, cancellationToken: ct); }
                catch (HttpOperationException e) when (e.IsConflict()) { } // stale cache: the pod is there, its event follows
                status.Phase = SessionPhase.Pending;
                status.Message = "pod created";
            }
        }
        else if (pod.Metadata.DeletionTimestamp is not null || pod.Metadata.Uid == failures.DeletedPodUid)
        {
            // Terminating (or deleted by us and not yet gone from the cache).
            await RemoveRouteAsync(userKey, status.PodIP, ct);
            status.PodIP = null;
            if (status.Phase != SessionPhase.Failed) { status.Phase = SessionPhase.Starting; status.Message = "previous pod terminating"; }
        }
        else if ((PodHealth.Failure(pod) ?? StartTimedOut(pod, status, now)) is { } why)
        {
            await RemoveRouteAsync(userKey, status.PodIP, ct);
            failures.Count++;
            var delay = Backoff.Delay(failures.Count, TimeSpan.FromSeconds(o.RecreateBackoffSeconds), TimeSpan.FromSeconds(o.RecreateBackoffMaxSeconds));
            failures.NotBefore = now + delay;
            metrics.PodFailures.Add(1);
            log.LogWarning("session {Session}: {Why}; recreating the pod in {Delay}", name, why, delay);
            await kube.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns,
                new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken: ct).OrNullIfNotFound();
            failures.DeletedPodUid = pod.Metadata.Uid;
            status.Phase = SessionPhase.Failed;
            status.Message = $"{why}; recreating in {delay.TotalSeconds:F0}s";
            status.Restarts = (status.Restarts ?? 0) + 1;
            status.PodIP = null;
            result = ReconcileResult.After(delay);
        }
        else if (PodHealth.IsReady(pod))
        {
            var outcome = await ReadyAsync(s, status, pod, now, ct);
            if (outcome is null) return ReconcileResult.Done; // expired: session deleted
            result = outcome.Value;
            failures.Count = 0;
        }
        else
        {
            await RemoveRouteAsync(userKey, status.PodIP, ct);
            status.Phase = pod.Status?.Phase == "Running" ? SessionPhase.Starting : SessionPhase.Pending;
            status.PodIP = pod.Status?.PodIP;
            status.Message = PodHealth.Waiting(pod);
            // Pod events bring us back; this wake-up enforces the start timeout (never a hot loop).
            var left = TimeSpan.FromSeconds(o.PodStartTimeoutSeconds) - (now - (pod.Metadata.CreationTimestamp ?? now)) + TimeSpan.FromSeconds(1);
            result = ReconcileResult.After(left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(o.RouteCheckSeconds));
        }

        SetReadyCondition(status, now);
        await WriteStatusAsync(s, status, ct);
        return result;
    }

    /// <summary>Only for a pod that never became Ready: a readiness flap of a serving pod (busy userpod) is not a start failure.</summary>
    string? StartTimedOut(V1Pod pod, HTagSessionStatus status, DateTimeOffset now) =>
        !PodHealth.IsReady(pod) && status.Phase != SessionPhase.Ready
        && pod.Metadata.CreationTimestamp is { } created && !(status.ReadySince >= created)
        && now - created > TimeSpan.FromSeconds(o.PodStartTimeoutSeconds)
            ? $"not ready after {o.PodStartTimeoutSeconds}s ({PodHealth.Waiting(pod)})"
            : null;

    /// <summary>Pod ready: publish, keep or judge the route. Null when the session expired and was deleted.</summary>
    async Task<ReconcileResult?> ReadyAsync(HTagSession s, HTagSessionStatus status, V1Pod pod, DateTimeOffset now, CancellationToken ct)
    {
        var userKey = s.Spec.UserKey;
        var ip = pod.Status!.PodIP!;
        var endpoint = $"{ip}:{o.UserpodPort}";
        var idle = TimeSpan.FromSeconds(s.Spec.IdleTimeoutSeconds ?? o.IdleTimeoutSeconds);
        var epoch = await routes.GetEpochAsync(ct);
        var route = await routes.GetAsync(userKey, ct);
        var publishedHere = status.Phase == SessionPhase.Ready && status.PodIP == ip && status.RouteEpoch is not null;

        // The second epoch read closes the window of a flush between the first read and the GET.
        if (route is null && publishedHere && status.RouteEpoch == epoch && await routes.GetEpochAsync(ct) == epoch)
        {
            // Published in this very epoch and gone: the idle TTL expired. The pod and Secret follow by GC,
            // the finalizer clears whatever is left in Redis.
            log.LogInformation("session {Session}: route expired after {Idle}; deleting the session", s.Metadata.Name, idle);
            metrics.SessionsExpired.Add(1);
            await kube.DeleteSessionAsync(s.Metadata.NamespaceProperty, s.Metadata.Name,
                new V1DeleteOptions { PropagationPolicy = "Background", Preconditions = new V1Preconditions { Uid = s.Metadata.Uid } }, ct);
            return null;
        }

        if (route is null || route.Endpoint != endpoint || route.Session != s.Metadata.Name)
        {
            var token = await TokenAsync(s, pod, ct); // read only when publishing: the Secret never changes
            var lost = route is null && publishedHere; // epoch differs: Redis lost the data
            // "since" identifies the pod's route: kept when re-published, new for a new pod (even on a reused IP).
            await routes.PutAsync(userKey, new RouteEntry(endpoint, s.Metadata.Name!, token, lost ? status.ReadySince ?? now : now), idle, ct);
            if (lost)
            {
                metrics.Republished.Add(1);
                log.LogInformation("session {Session}: route re-published (route table epoch changed)", s.Metadata.Name);
            }
            else
            {
                metrics.RoutesPublished.Add(1);
                // A claimed warm pod was started long before the session: its age is not a start time.
                if (pod.Metadata.CreationTimestamp is { } created && pod.Metadata.Name == SessionManifests.PodName(s))
                    metrics.PodStartSeconds.Record((now - created).TotalSeconds);
                status.ReadySince = now;
                status.LastActivity = now;
                _activitySynced[s.Metadata.Uid!] = now;
            }
            status.RouteEpoch = epoch;
        }
        else
        {
            // The route is there in this epoch (also repairs a status write lost after a publish).
            status.RouteEpoch = epoch;
            status.ReadySince ??= now;
            status.LastActivity ??= now;
        }
        if (route is not null && now - _activitySynced.GetValueOrDefault(s.Metadata.Uid!) >= TimeSpan.FromSeconds(o.ActivitySyncSeconds))
        {
            // Coarse: the router pushes the TTL on activity, so last activity = now - (idle - remaining).
            if (await routes.TimeToLiveAsync(userKey, ct) is { } remaining)
            {
                var last = now - (idle - remaining);
                status.LastActivity = WholeSecondsTimeConverter.Truncate(last);
            }
            _activitySynced[s.Metadata.Uid!] = now;
        }

        status.Phase = SessionPhase.Ready;
        status.PodIP = ip;
        status.Message = null;
        status.Restarts = Math.Max(status.Restarts ?? 0, pod.Status.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0);
        // Re-check often enough to notice expiry quickly (keyspace events also enqueue us).
        return ReconcileResult.After(TimeSpan.FromSeconds(Math.Min(o.RouteCheckSeconds, Math.Max(1, idle.TotalSeconds / 4))));
    }

    public Task DeletedAsync(HTagSession s, CancellationToken ct)
    {
        _failures.TryRemove(s.Metadata.Uid ?? "", out _);
        _activitySynced.TryRemove(s.Metadata.Uid ?? "", out _);
        pods.Forget(s);
        return Task.CompletedTask;
    }

    /// <summary>The token of the Secret the pod's HTAG_TOKEN comes from (the session's own, or the claimed warm pod's).</summary>
    async Task<string> TokenAsync(HTagSession s, V1Pod pod, CancellationToken ct)
    {
        var name = WarmPodManifests.TokenSecretName(pod);
        if (name is null || name == SessionManifests.SecretName(s)) return await EnsureTokenAsync(s, ct);
        return SessionManifests.TokenOf(await kube.CoreV1.ReadNamespacedSecretAsync(name, s.Metadata.NamespaceProperty, cancellationToken: ct));
    }

    async Task<string> EnsureTokenAsync(HTagSession s, CancellationToken ct)
    {
        var ns = s.Metadata.NamespaceProperty;
        var secret = await kube.CoreV1.ReadNamespacedSecretAsync(SessionManifests.SecretName(s), ns, cancellationToken: ct).OrNullIfNotFound();
        if (secret is null)
        {
            try { secret = await kube.CoreV1.CreateNamespacedSecretAsync(SessionManifests.Secret(s, SessionManifests.NewToken()), ns, cancellationToken: ct); }
            catch (HttpOperationException e) when (e.IsConflict())
            {
                secret = await kube.CoreV1.ReadNamespacedSecretAsync(SessionManifests.SecretName(s), ns, cancellationToken: ct);
            }
        }
        return SessionManifests.TokenOf(secret);
    }

    /// <summary>Removes the route only if it still points at the pod we knew (never a newer one).</summary>
    async Task RemoveRouteAsync(string userKey, string? podIP, CancellationToken ct)
    {
        if (podIP is not null) await routes.RemoveAsync(userKey, $"{podIP}:{o.UserpodPort}", ct);
    }

    static void SetReadyCondition(HTagSessionStatus status, DateTimeOffset now)
    {
        var ready = status.Phase == SessionPhase.Ready;
        var want = ready ? "True" : "False";
        var reason = status.Phase?.ToString() ?? "Unknown";
        status.Conditions ??= [];
        var c = status.Conditions.FirstOrDefault(x => x.Type == HTagSessions.ReadyCondition);
        if (c is null) status.Conditions.Add(c = new SessionCondition { Type = HTagSessions.ReadyCondition });
        if (c.Status != want) c.LastTransitionTime = now;
        c.Status = want;
        c.Reason = reason;
        c.Message = status.Message;
    }

    async Task WriteStatusAsync(HTagSession s, HTagSessionStatus status, CancellationToken ct)
    {
        var before = s.Status is null ? "" : JsonSerializer.Serialize(s.Status, HTagSessionJsonContext.Default.HTagSessionStatus);
        var after = JsonSerializer.Serialize(status, HTagSessionJsonContext.Default.HTagSessionStatus);
        if (before == after) return;
        await kube.ReplaceSessionStatusAsync(CopyWith(s, status), ct);
    }

    internal static HTagSession CopyWith(HTagSession s, HTagSessionStatus status) =>
        new() { ApiVersion = s.ApiVersion, Kind = s.Kind, Metadata = s.Metadata, Spec = s.Spec, Status = status };

    /// <summary>Deep copy (the informer's cached object must not be mutated).</summary>
    internal static HTagSessionStatus Clone(HTagSessionStatus? status) => status is null ? new HTagSessionStatus()
        : JsonSerializer.Deserialize(JsonSerializer.Serialize(status, HTagSessionJsonContext.Default.HTagSessionStatus), HTagSessionJsonContext.Default.HTagSessionStatus)!;
}
