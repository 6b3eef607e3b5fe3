using k8s.Models;

namespace HTagKube.Operator.Sessions;

/// <summary>Reads a userpod's state the way the operator acts on it.</summary>
public static class PodHealth
{
    // Waiting reasons that will not fix themselves (or only through the kubelet's slow retries).
    static readonly HashSet<string> FatalWaiting =
    [
        "ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName",
        "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff", "RunContainerError",
    ];

    public static bool IsReady(V1Pod p) =>
        p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true && !string.IsNullOrEmpty(p.Status.PodIP);

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

    /// <summary>Short human hint for a pod that is not ready yet.</summary>
    public static string Waiting(V1Pod p)
    {
        var w = p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting;
        if (w?.Reason is { } r) return r;
        return p.Status?.Phase switch
        {
            null or "Pending" => "pod pending",
            "Running" => "waiting for /readyz",
            var x => x,
        };
    }
}
