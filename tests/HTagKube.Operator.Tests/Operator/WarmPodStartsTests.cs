using HTagKube.Contract;
using HTagKube.Operator.Warm;
using k8s.Models;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>Which pods' starts the adaptive pool's start time follows: the pool's pods, claimed or not, each once, recent only.</summary>
public sealed class WarmPodStartsTests
{
    static readonly DateTime T0 = new(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);
    static readonly DateTimeOffset Now = new(T0.AddSeconds(30));

    static V1Pod Pod(string uid, string? warm, double createdAt, double? readyAt) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "p-" + uid, Uid = uid, CreationTimestamp = T0.AddSeconds(createdAt),
            Labels = warm is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [KubernetesNames.WarmLabel] = warm },
        },
        Status = new V1PodStatus
        {
            PodIP = readyAt is null ? null : "10.0.0.1",
            Conditions = readyAt is null ? [] : [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = T0.AddSeconds(readyAt.Value) }],
        },
    };

    [Fact]
    public void A_pod_claimed_while_starting_counts_like_one_still_in_the_pool_and_a_sessions_own_pod_does_not()
    {
        var starts = new WarmPodStarts(TimeSpan.FromSeconds(60));
        var found = starts.New([
            Pod("a", WarmPodManifests.Warm, 0, 4),
            Pod("b", WarmPodManifests.Claimed, 2, 14),
            Pod("c", null, 0, 3),                      // a session's own pod
            Pod("d", WarmPodManifests.Warm, 10, null), // still starting
        ], Now);
        Assert.Equal([TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(12)], found);
    }

    [Fact]
    public void Each_start_counts_once_and_a_pod_gone_is_forgotten()
    {
        var starts = new WarmPodStarts(TimeSpan.FromSeconds(60));
        var a = Pod("a", WarmPodManifests.Warm, 0, 4);
        Assert.Single(starts.New([a], Now));
        // Claimed after it was Ready: the same start, not a second one.
        Assert.Empty(starts.New([Pod("a", WarmPodManifests.Claimed, 0, 4), Pod("d", WarmPodManifests.Warm, 10, null)], Now));
        Assert.Equal([TimeSpan.FromSeconds(6)], starts.New([Pod("d", WarmPodManifests.Warm, 10, 16)], Now));
        Assert.Equal([TimeSpan.FromSeconds(4)], starts.New([a], Now)); // "a" left the view (deleted), then a pod with its uid: new
    }

    [Fact]
    public void Starts_that_ended_before_the_window_say_nothing_of_the_node_now()
    {
        var starts = new WarmPodStarts(TimeSpan.FromSeconds(20));
        // A new leader's first pass: one pod Ready 26 s ago, one 10 s ago.
        Assert.Equal([TimeSpan.FromSeconds(3)], starts.New([
            Pod("old", WarmPodManifests.Claimed, 1, 4),
            Pod("new", WarmPodManifests.Claimed, 17, 20),
        ], Now));
    }
}
