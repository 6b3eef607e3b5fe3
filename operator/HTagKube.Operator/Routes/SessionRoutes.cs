using System.Collections.Concurrent;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Sessions;
using HTagKube.Routing;
using HTagKube.Routing.Identity;
using k8s;
using k8s.Models;

namespace HTagKube.Operator.Routes;

/// <summary>
/// The one owner of a session's route in the route table (a plain store, docs/design.md §5): publishing it for a Ready
/// pod, the idle verdict (a route gone within the epoch it was published in has expired: the session ends) and
/// re-publishing after the route table lost its data (a changed epoch: never a reason to end a session), withdrawing it
/// from a pod that stopped serving, and clearing it when the session goes. The HTagSession is the truth, Redis an index.
/// </summary>
public sealed class SessionRoutes(IKubernetes kube, IRouteTable routes, SessionTokens tokens, OperatorOptions o,
    OperatorMetrics metrics, ILogger<SessionRoutes> log)
{
    readonly ConcurrentDictionary<string, DateTimeOffset> _activitySynced = new(); // by session uid

    string Endpoint(string podIP) => $"{podIP}:{o.UserpodPort}";

    /// <summary>The session's idle timeout: its spec's, else the operator's.</summary>
    public TimeSpan IdleTimeout(HTagSession s) => s.Spec.IdleTimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : o.IdleTimeout;

    /// <summary>
    /// The session's pod is Ready: publish, keep, re-publish or judge its route, and fill the route's part of the status.
    /// Null when the route expired and the session was deleted (nothing more to write).
    /// </summary>
    public async Task<ReconcileResult?> ReconcileAsync(HTagSession s, HTagSessionStatus status, V1Pod pod, DateTimeOffset now,
        CancellationToken ct)
    {
        var userKey = s.Spec.UserKey;
        var ip = pod.Status!.PodIP!;
        var idle = IdleTimeout(s);
        var epoch = await routes.GetEpochAsync(ct);
        var route = await routes.GetAsync(userKey, ct);
        // A pod created after the route was published is a new pod, even on the old pod's IP (docker's bridge hands a
        // freed address out again at once): its route gets a new "since", so the router sees the pod changed.
        var newPod = status.ReadySince is { } published && pod.Metadata.CreationTimestamp is { } podCreated
            && new DateTimeOffset(DateTime.SpecifyKind(podCreated, DateTimeKind.Utc)) > published;
        var publishedHere = status.Phase == SessionPhase.Ready && status.PodIP == ip && status.RouteEpoch is not null && !newPod;

        // The second epoch read closes the window of a flush between the first read and the GET.
        if (route is null && publishedHere && status.RouteEpoch == epoch && await routes.GetEpochAsync(ct) == epoch)
        {
            await EndIdleAsync(s, idle, ct);
            return null;
        }

        if (route is null || newPod || route.Endpoint != Endpoint(ip) || route.Session != s.Metadata.Name)
        {
            var token = await tokens.OfPodAsync(s, pod, ct); // read only when publishing: the Secret never changes
            var lost = route is null && publishedHere; // published in another epoch: Redis lost its data
            // "since" identifies the pod's route: kept when re-published, new for a new pod (even on a reused IP).
            var since = lost ? status.ReadySince ?? now : now;
            await routes.PutAsync(userKey, new RouteEntry(Endpoint(ip), s.Metadata.Name!, token, since), idle, ct);
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
        }
        else
        {
            // The route is there in this epoch (also repairs a status write lost after a publish).
            status.ReadySince ??= now;
            status.LastActivity ??= now;
        }
        status.RouteEpoch = epoch;
        if (route is not null) await SyncActivityAsync(s, status, idle, now, ct);

        status.Phase = SessionPhase.Ready;
        status.PodIP = ip;
        status.Message = null;
        // Re-check often enough to notice expiry quickly (expiry events and epoch changes also enqueue: RouteWatch).
        return ReconcileResult.After(TimeSpan.FromSeconds(Math.Min(o.RouteCheck.TotalSeconds, Math.Max(1, idle.TotalSeconds / 4))));
    }

    /// <summary>The idle verdict: the session ends. Its pod and Secret follow by garbage collection (ownerReferences).</summary>
    async Task EndIdleAsync(HTagSession s, TimeSpan idle, CancellationToken ct)
    {
        log.LogInformation("session {Session}: route expired after {Idle}; deleting the session", s.Metadata.Name, idle);
        metrics.SessionsExpired.Add(1);
        var exactly = new V1DeleteOptions
        {
            PropagationPolicy = "Background", Preconditions = new V1Preconditions { Uid = s.Metadata.Uid },
        };
        await kube.DeleteSessionAsync(s.Metadata.NamespaceProperty, s.Metadata.Name, exactly, ct);
    }

    /// <summary>
    /// status.lastActivity, coarse (at most every <see cref="OperatorOptions.ActivitySync"/>): the router pushes the
    /// TTL on activity, so last activity = now - (idle - remaining).
    /// </summary>
    async Task SyncActivityAsync(HTagSession s, HTagSessionStatus status, TimeSpan idle, DateTimeOffset now, CancellationToken ct)
    {
        if (now - _activitySynced.GetValueOrDefault(s.Metadata.Uid!) < o.ActivitySync) return;
        if (await routes.TimeToLiveAsync(s.Spec.UserKey, ct) is { } remaining)
            status.LastActivity = WholeSecondsTimeConverter.Truncate(now - (idle - remaining));
        _activitySynced[s.Metadata.Uid!] = now;
    }

    /// <summary>The pod in the status no longer serves: its route goes (only if it still points there, never a newer one).</summary>
    public async Task WithdrawAsync(HTagSession s, HTagSessionStatus status, CancellationToken ct)
    {
        if (status.PodIP is { } ip) await routes.RemoveAsync(s.Spec.UserKey, Endpoint(ip), ct);
        status.PodIP = null;
    }

    /// <summary>The session is being deleted: its route goes, whatever it points at.</summary>
    public async Task ClearAsync(HTagSession s, CancellationToken ct)
    {
        // A malformed userKey never had a route (and must not become a Redis key).
        if (UserKey.IsWellFormed(s.Spec.UserKey)) await routes.RemoveAsync(s.Spec.UserKey, null, ct);
    }

    /// <summary>The session is gone.</summary>
    public void Forget(HTagSession s) => _activitySynced.TryRemove(s.Metadata.Uid ?? "", out _);
}
