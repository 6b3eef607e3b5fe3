using HTagKube.Api.V1Alpha1;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Pods;
using HTagKube.Routing;
using k8s;
using k8s.Models;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// Moves a serving session to the image it would get now (<see cref="OperatorOptions.UpgradeStrategy"/>): once its user
/// has been idle for <see cref="OperatorOptions.UpgradeIdle"/>, its pod on the old image is deleted, and the usual path
/// (a warm pod, else its own) gives it one on the current image. The user's durable state (the router's store) follows;
/// the browser's page resyncs when it reconnects.
/// </summary>
public sealed class SessionUpgrade(IKubernetes kube, IRouteTable routes, OperatorOptions o, OperatorMetrics metrics,
    ILogger<SessionUpgrade> log)
{
    /// <summary>True when the pod was deleted to move the session (the caller withdraws nothing: the pod's going does).</summary>
    public async Task<bool> MoveIfDueAsync(HTagSession s, HTagSessionStatus status, V1Pod pod, TimeSpan idleTimeout, CancellationToken ct)
    {
        var image = UserpodPod.ImageOf(pod);
        var wanted = SessionManifests.Image(s, o);
        if (o.UpgradeStrategy != UpgradeStrategy.OnIdle || image is null || image == wanted) return false;
        // The router pushes the route's TTL on every request, so the time left tells how long the user has been idle.
        if (await routes.TimeToLiveAsync(s.Spec.UserKey, ct) is not { } left || idleTimeout - left < o.UpgradeIdle) return false;
        log.LogInformation("session {Session}: idle, moving from image {Old} to {New}", s.Metadata.Name, image, wanted);
        await UserpodPod.DeleteAsync(kube, pod, ct);
        metrics.SessionsUpgraded.Add(1);
        status.Phase = SessionPhase.Starting;
        status.Message = $"moving to image {wanted}";
        return true;
    }
}
