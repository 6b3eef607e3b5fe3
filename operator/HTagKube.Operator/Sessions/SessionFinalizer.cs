using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Routing;
using HTagKube.Routing.Identity;
using k8s;
using Microsoft.Extensions.Logging;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// A deleted session first shows <c>Terminating</c>, then its route leaves Redis; the runtime removes the
/// <see cref="HTagSessions.RouteFinalizer"/> after that (the pod and Secret go by garbage collection).
/// </summary>
public sealed class SessionFinalizer(IKubernetes kube, IRouteTable routes, ILogger<SessionFinalizer> log) : IEntityFinalizer<HTagSession>
{
    public string Identifier => HTagSessions.RouteFinalizer;

    public async Task<HTagSession> FinalizeAsync(HTagSession s, CancellationToken ct)
    {
        if (s.Status?.Phase != SessionPhase.Terminating)
        {
            var status = SessionReconciler.Clone(s.Status);
            status.Phase = SessionPhase.Terminating;
            status.Message = "session deleted";
            s = await kube.ReplaceSessionStatusAsync(SessionReconciler.CopyWith(s, status), ct);
        }
        // A malformed userKey never had a route (and must not become a Redis key).
        if (UserKey.IsWellFormed(s.Spec.UserKey)) await routes.RemoveAsync(s.Spec.UserKey, null, ct);
        log.LogInformation("session {Session}: route cleared", s.Metadata.Name);
        return s;
    }
}
