using HTagKube.Api.V1Alpha1;
using HTagKube.Contract;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Routes;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// A deleted session first shows <c>Terminating</c>, then its route leaves Redis; the runtime removes the
/// <see cref="KubernetesNames.RouteFinalizer"/> after that. Its pod and Secret are not deleted here, nor anywhere in the
/// operator: they carry the session as controller ownerReference, so Kubernetes' garbage collector removes them.
/// </summary>
public sealed class SessionFinalizer(SessionStatusWriter statuses, SessionRoutes routes, ILogger<SessionFinalizer> log)
    : IEntityFinalizer<HTagSession>
{
    /// <inheritdoc />
    public string Identifier => KubernetesNames.RouteFinalizer;

    /// <inheritdoc />
    public async Task<HTagSession> FinalizeAsync(HTagSession s, CancellationToken ct)
    {
        s = await statuses.TerminatingAsync(s, ct);
        await routes.ClearAsync(s, ct);
        log.LogInformation("session {Session}: route cleared", s.Metadata.Name);
        return s;
    }
}
