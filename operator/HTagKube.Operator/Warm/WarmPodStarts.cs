using HTagKube.Operator.Pods;
using k8s.Models;

namespace HTagKube.Operator.Warm;

/// <summary>
/// The starts (creation → Ready) of the warm pool's pods that the pool's size follows, each pod once: pods still in the
/// pool and pods claimed while starting alike. Under a rush most are claimed before they are Ready, and theirs are the
/// starts the pool must keep ahead of. Only starts that ended within <paramref name="window"/> count: a new leader's first
/// pass sees every serving pod, and their starts say nothing of the node now. Times are the pod's own (its Ready
/// condition), not when the operator saw them. Used by the refill loop only (one thread).
/// </summary>
public sealed class WarmPodStarts(TimeSpan window)
{
    readonly HashSet<string> _seen = [];

    /// <summary>The starts among <paramref name="pods"/> (the whole cached namespace) not reported before.</summary>
    public List<TimeSpan> New(IReadOnlyCollection<V1Pod> pods, DateTimeOffset now)
    {
        _seen.IntersectWith(pods.Select(p => p.Metadata.Uid ?? "")); // pods gone are forgotten
        var starts = new List<TimeSpan>();
        foreach (var p in pods)
        {
            if (p.Metadata.Labels is not { } labels || !labels.TryGetValue(WarmPodManifests.WarmLabel, out var origin)
                || origin is not (WarmPodManifests.Warm or WarmPodManifests.Claimed)
                || PodHealth.ReadyAt(p) is not { } ready || p.Metadata.CreationTimestamp is not { } created || ready < created
                || now - Utc(ready) > window || !_seen.Add(p.Metadata.Uid ?? ""))
                continue;
            starts.Add(ready - created);
        }
        return starts;
    }

    static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
}
