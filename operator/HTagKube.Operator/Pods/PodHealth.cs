using k8s.Models;

namespace HTagKube.Operator.Pods;

/// <summary>Reads a userpod's state the way the operator acts on it.</summary>
public static class PodHealth
{
    // Waiting reasons that will not fix themselves (or only through the kubelet's slow retries).
    static readonly HashSet<string> FatalWaiting =
    [
        "ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName",
        "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff", "RunContainerError",
    ];

    /// <summary>Ready (readiness probe passed) and addressed: it can serve.</summary>
    public static bool IsReady(V1Pod p) =>
        p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true && !string.IsNullOrEmpty(p.Status.PodIP);

    /// <summary>
    /// When the pod became Ready (the kubelet's time of its Ready condition), or null while it is not Ready. Read from the
    /// pod, not from when the operator saw it, so a pod seen late (a new leader, a slow pass) measures the same.
    /// </summary>
    public static DateTime? ReadyAt(V1Pod p) =>
        IsReady(p) ? p.Status!.Conditions!.First(c => c.Type == "Ready").LastTransitionTime : null;

    /// <summary>Why the pod will never serve, or null while it still may.</summary>
    public static string? Failure(V1Pod p)
    {
        if (p.Status?.Phase is "Failed" or "Succeeded")
        {
            var t = p.Status.ContainerStatuses?.FirstOrDefault()?.State?.Terminated;
            return t is null ? $"pod {p.Status.Phase}: {p.Status.Reason} {p.Status.Message}".TrimEnd()
                : $"userpod exited with code {t.ExitCode} ({t.Reason})";
        }
        foreach (var cs in p.Status?.ContainerStatuses ?? [])
        {
            if (cs.State?.Waiting is { Reason: { } r } w && FatalWaiting.Contains(r)) return $"{r}: {w.Message}".TrimEnd(' ', ':');
            if (cs.State?.Terminated is { } t) return $"userpod exited with code {t.ExitCode} ({t.Reason})";
        }
        return null;
    }

    /// <summary>
    /// The start-timeout rule of every userpod pod (a session's and a warm one): not Ready
    /// <paramref name="timeout"/> after its creation. Null while it still has time (or is Ready).
    /// </summary>
    public static string? StartTimedOut(V1Pod p, DateTimeOffset now, TimeSpan timeout) =>
        !IsReady(p) && p.Metadata.CreationTimestamp is { } created && now - created > timeout
            ? $"not ready after {timeout.TotalSeconds:F0}s ({WaitingReason(p) ?? Waiting(p)})"
            : null;

    /// <summary>How long until <see cref="StartTimedOut"/> can first say so (zero when it already can).</summary>
    public static TimeSpan StartTimeLeft(V1Pod p, DateTimeOffset now, TimeSpan timeout) =>
        p.Metadata.CreationTimestamp is { } created && timeout - (now - created) is var left && left > TimeSpan.Zero
            ? left : TimeSpan.Zero;

    /// <summary>Why the userpod container waits (the kubelet's reason), or null.</summary>
    static string? WaitingReason(V1Pod p) => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason;

    /// <summary>The hint for a pod not running yet.</summary>
    public const string PendingMessage = "pod pending";

    // The waiting reasons every start passes through: a status naming them would be one more write per start.
    static readonly HashSet<string> RoutineWaiting = ["ContainerCreating", "PodInitializing"];

    /// <summary>
    /// Short human hint for a pod that is not ready yet: its phase ("pod pending", "waiting for /readyz"), or the
    /// container's waiting reason when it is not one every start passes through (e.g. ImagePullBackOff).
    /// </summary>
    public static string Waiting(V1Pod p)
    {
        if (WaitingReason(p) is { } r && !RoutineWaiting.Contains(r)) return r;
        return p.Status?.Phase switch
        {
            null or "Pending" => PendingMessage,
            "Running" => "waiting for /readyz",
            var x => x,
        };
    }
}
