using System.Text.Json;
using HTagKube.Api.V1Alpha1;
using k8s;

namespace HTagKube.Operator.Sessions;

/// <summary>
/// The one writer of <c>HTagSession.status</c>: a reconcile (or the finalizer) edits a copy and writes it through the
/// status subresource only when it changed; the Ready condition follows the phase.
/// </summary>
public sealed class SessionStatusWriter(IKubernetes kube)
{
    /// <summary>A copy of the session's status to edit (the informer's cached object must not be mutated).</summary>
    public static HTagSessionStatus Copy(HTagSession s) => s.Status is null ? new HTagSessionStatus()
        : JsonSerializer.Deserialize(Json(s.Status), HTagSessionJsonContext.Default.HTagSessionStatus)!;

    /// <summary>Writes <paramref name="status"/> (with its Ready condition) unless nothing changed.</summary>
    public async Task WriteAsync(HTagSession s, HTagSessionStatus status, DateTimeOffset now, CancellationToken ct)
    {
        SetReadyCondition(status, now);
        if (s.Status is not null && Json(s.Status) == Json(status)) return;
        await kube.ReplaceSessionStatusAsync(With(s, status), ct);
    }

    /// <summary>Writes the Terminating phase (a deleted session); the session as written.</summary>
    public async Task<HTagSession> TerminatingAsync(HTagSession s, CancellationToken ct)
    {
        if (s.Status?.Phase == SessionPhase.Terminating) return s;
        var status = Copy(s);
        status.Phase = SessionPhase.Terminating;
        status.Message = "session deleted";
        return await kube.ReplaceSessionStatusAsync(With(s, status), ct);
    }

    static string Json(HTagSessionStatus status) => JsonSerializer.Serialize(status, HTagSessionJsonContext.Default.HTagSessionStatus);

    static HTagSession With(HTagSession s, HTagSessionStatus status) =>
        new() { ApiVersion = s.ApiVersion, Kind = s.Kind, Metadata = s.Metadata, Spec = s.Spec, Status = status };

    static void SetReadyCondition(HTagSessionStatus status, DateTimeOffset now)
    {
        var want = status.Phase == SessionPhase.Ready ? "True" : "False";
        status.Conditions ??= [];
        var c = status.Conditions.FirstOrDefault(x => x.Type == HTagSessions.ReadyCondition);
        if (c is null) status.Conditions.Add(c = new SessionCondition { Type = HTagSessions.ReadyCondition });
        if (c.Status != want) c.LastTransitionTime = now;
        c.Status = want;
        c.Reason = status.Phase?.ToString() ?? "Unknown";
        c.Message = status.Message;
    }
}
