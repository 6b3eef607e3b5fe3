using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Pods;
using HTagKube.Operator.Routes;
using HTagKube.Routing.Identity;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// HTagSession → pod + route + status, level-triggered: reads where the session's pod is and hands each case to the
/// component with that job: the pod's life to <see cref="SessionPodLifecycle"/>, the route (and the idle verdict) to
/// <see cref="SessionRoutes"/>, the status to <see cref="SessionStatusWriter"/>. Ending a session deletes nothing but the
/// HTagSession: its pod and Secret carry it as controller ownerReference, so Kubernetes' garbage collector removes them,
/// and <see cref="SessionFinalizer"/> clears its route.
/// </summary>
public sealed class SessionReconciler(SessionPodLifecycle lifecycle, SessionRoutes routes, SessionUpgrade upgrade,
    SessionStatusWriter statuses, OperatorOptions o) : IEntityController<HTagSession>
{
    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(HTagSession s, CancellationToken ct)
    {
        var now = WholeSecondsTimeConverter.Truncate(DateTimeOffset.UtcNow); // status times are whole seconds
        var status = SessionStatusWriter.Copy(s);
        if (!UserKey.IsWellFormed(s.Spec.UserKey))
        {
            status.Phase = SessionPhase.Failed;
            status.Message = "spec.userKey is not a userKey";
            await statuses.WriteAsync(s, status, now, ct);
            return ReconcileResult.Done;
        }
        status.User = s.Spec.UserKey[..8];
        status.DisplayName = s.Spec.DisplayName;
        status.Port = o.UserpodPort;
        status.ObservedGeneration = s.Metadata.Generation;

        var pod = await lifecycle.FindOrClaimAsync(s, now, ct);
        status.PodName = pod?.Metadata.Name ?? SessionManifests.PodName(s);
        ReconcileResult result;
        if (pod is null)
        {
            await routes.WithdrawAsync(s, status, ct);
            result = await lifecycle.StartOwnAsync(s, status, now, ct);
        }
        else if (lifecycle.IsGoing(s, pod))
        {
            await routes.WithdrawAsync(s, status, ct);
            if (status.Phase != SessionPhase.Failed) (status.Phase, status.Message) = (SessionPhase.Starting, "previous pod terminating");
            result = ReconcileResult.Done;
        }
        else if (SessionPodLifecycle.FailureOf(pod, status, o.PodStartTimeout, now) is { } why)
        {
            await routes.WithdrawAsync(s, status, ct);
            result = await lifecycle.FailAsync(s, status, pod, why, now, ct);
        }
        else if (PodHealth.IsReady(pod))
        {
            if (await routes.ReconcileAsync(s, status, pod, now, ct) is not { } kept) return ReconcileResult.Done; // ended: idle
            lifecycle.Serving(s, status, pod);
            status.Image = UserpodPod.ImageOf(pod);
            result = kept;
            if (await upgrade.MoveIfDueAsync(s, status, pod, routes.IdleTimeout(s), ct))
            {
                await routes.WithdrawAsync(s, status, ct);
                result = ReconcileResult.Done; // the pod's deletion brings the session back
            }
        }
        else
        {
            await routes.WithdrawAsync(s, status, ct);
            result = lifecycle.Waiting(status, pod, now);
        }
        await statuses.WriteAsync(s, status, now, ct);
        return result;
    }

    /// <inheritdoc />
    public Task DeletedAsync(HTagSession s, CancellationToken ct)
    {
        lifecycle.Forget(s);
        routes.Forget(s);
        return Task.CompletedTask;
    }
}
