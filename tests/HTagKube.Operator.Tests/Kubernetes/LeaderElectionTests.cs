using System.Diagnostics;
using HTagKube.Kubernetes.Runtime;
using k8s;
using k8s.Models;
using HTagKube.Operator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Kubernetes;

public sealed class LeaderElectionTests(KubeFixture kube, ITestOutputHelper output) : IClassFixture<KubeFixture>
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>One replica: the runtime's leadership running one piece of leader work that records its terms.</summary>
    sealed class Candidate : ILeaderWork
    {
        public Leadership Elector = null!;
        public Task Run = Task.CompletedTask;
        public CancellationTokenSource Cts = new(TimeSpan.FromSeconds(180));
        public volatile bool Leading;
        public int Terms;
        public bool FailFirstTerm;

        public async Task LeadAsync(CancellationToken ct)
        {
            Leading = true;
            var term = Interlocked.Increment(ref Terms);
            try
            {
                if (FailFirstTerm && term == 1)
                {
                    await Task.Yield();
                    throw new InvalidOperationException("leader work blew up");
                }
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally { Leading = false; }
        }
    }

    Candidate Start(IKubernetes client, string lease, string id, TimeSpan leaseDuration, TimeSpan retry, bool failFirstTerm = false)
    {
        var c = new Candidate { FailFirstTerm = failFirstTerm };
        c.Elector = new Leadership(client, new LeaderElectionOptions
        {
            Namespace = kube.Namespace, LeaseName = lease, Identity = id,
            LeaseDuration = leaseDuration, RenewDeadline = leaseDuration * 2 / 3, RetryPeriod = retry,
        }, [c], new TestLogger(output, id));
        c.Run = c.Elector.RunAsync(c.Cts.Token);
        return c;
    }

    /// <summary>Watches that the two never lead at the same time while the test runs.</summary>
    static async Task<bool> NeverBothAsync(Candidate a, Candidate b, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (a.Leading && b.Leading) return false;
            try { await Task.Delay(10, ct); } catch (OperationCanceledException) { break; }
        }
        return true;
    }

    [ClusterFact]
    public async Task Graceful_shutdown_hands_the_lease_over_within_2_s_and_only_one_leads()
    {
        // A 90 s lease and a 60 s retry period: b's elector, having seen a's lease, would next look 60 s later, and the lease
        // would expire after 90. Only the release (a) and the watch that makes b campaign at once (b) can hand over fast.
        var (lease, retry) = (TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(60));
        var a = Start(kube.Client, "graceful", "a", lease, retry);
        await Eventually.True(() => a.Leading, Wait, "a leads");
        var b = Start(kube.Client, "graceful", "b", lease, retry);
        await Eventually.True(() => b.Elector.Leader == "a", Wait, "b saw a's lease (its next retry is 60 s away)");
        using var watch = new CancellationTokenSource();
        var exclusive = NeverBothAsync(a, b, watch.Token);
        Assert.False(b.Leading);

        // The bound: the promised 2 s plus what the hand-over's own API calls (a: read + update to release, b: read +
        // update to take) cost on this machine right now, measured with the same calls on a scratch Lease.
        var roundTrip = await LeaseRoundTripAsync();
        var handOver = Stopwatch.StartNew();
        a.Cts.Cancel();
        await Eventually.True(() => b.Leading, Wait, "b takes over");
        handOver.Stop();
        await a.Run;
        output.WriteLine($"hand-over {handOver.ElapsedMilliseconds} ms; lease read + update {roundTrip.TotalMilliseconds:F0} ms");
        Assert.True(handOver.Elapsed < TimeSpan.FromSeconds(2) + 2 * roundTrip, $"hand-over took {handOver.Elapsed} (API round trip {roundTrip})");
        var held = await kube.Client.CoordinationV1.ReadNamespacedLeaseAsync("graceful", kube.Namespace);
        Assert.Equal("b", held.Spec.HolderIdentity);
        Assert.Equal(1, held.Spec.LeaseTransitions);

        watch.Cancel();
        Assert.True(await exclusive, "both candidates led at the same time");
        b.Cts.Cancel();
        await b.Run;
    }

    async Task<TimeSpan> LeaseRoundTripAsync()
    {
        var scratch = await kube.Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "round-trip-" + Guid.NewGuid().ToString("N")[..6] },
            Spec = new V1LeaseSpec { HolderIdentity = "x" },
        }, kube.Namespace);
        var t = Stopwatch.StartNew();
        var read = await kube.Client.CoordinationV1.ReadNamespacedLeaseAsync(scratch.Metadata.Name, kube.Namespace);
        read.Spec.HolderIdentity = "";
        await kube.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(read, read.Metadata.Name, kube.Namespace);
        return t.Elapsed;
    }

    [ClusterFact]
    public async Task A_leader_cut_off_from_the_API_steps_down_and_the_standby_takes_over_after_expiry()
    {
        var (flakyClient, flaky) = kube.NewPartitionableClient();
        using var _ = flakyClient;
        var a = Start(flakyClient, "crash", "a", TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(300));
        await Eventually.True(() => a.Leading, Wait, "a leads");
        var b = Start(kube.Client, "crash", "b", TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(300));
        using var watch = new CancellationTokenSource();
        var exclusive = NeverBothAsync(a, b, watch.Token);

        flaky.Cut = true; // a can no longer renew (network partition)
        await Eventually.True(() => !a.Leading, Wait, "a steps down after its renew deadline");
        await Eventually.True(() => b.Leading, Wait, "b takes over once the lease expired");
        flaky.Cut = false;
        // a is back but the lease is b's: a must stay a follower.
        await Eventually.True(async () => (await kube.Client.CoordinationV1.ReadNamespacedLeaseAsync("crash", kube.Namespace)).Spec.RenewTime is { } t
            && t > DateTime.UtcNow.AddSeconds(-1), Wait, "b renews");
        Assert.False(a.Leading);
        Assert.Equal(1, a.Terms);

        watch.Cancel();
        Assert.True(await exclusive, "both candidates led at the same time");
        a.Cts.Cancel(); b.Cts.Cancel();
        await Task.WhenAll(a.Run, b.Run);
    }

    [ClusterFact]
    public async Task Leader_work_that_throws_ends_the_term_and_the_lease_is_not_held_with_the_work_dead()
    {
        // A 90 s lease: held by a leader whose work died, nobody would do the work for 90 s or, renewed, ever.
        var (lease, retry) = (TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(2));
        var a = Start(kube.Client, "failing-work", "a", lease, retry, failFirstTerm: true);
        await Eventually.True(() => Volatile.Read(ref a.Terms) >= 1, Wait, "a leads");
        var b = Start(kube.Client, "failing-work", "b", lease, TimeSpan.FromSeconds(60));
        using var watch = new CancellationTokenSource();
        var exclusive = NeverBothAsync(a, b, watch.Token);

        // The work runs again in a fresh term, whoever wins it (b, woken by the release, or a after its retry period).
        await Eventually.True(() => b.Leading || (a.Leading && Volatile.Read(ref a.Terms) >= 2), Wait, "a new term with the work running");
        var held = await kube.Client.CoordinationV1.ReadNamespacedLeaseAsync("failing-work", kube.Namespace);
        Assert.Equal(b.Leading ? "b" : "a", held.Spec.HolderIdentity);

        watch.Cancel();
        Assert.True(await exclusive, "both candidates led at the same time");
        a.Cts.Cancel(); b.Cts.Cancel();
        await Task.WhenAll(a.Run, b.Run);
    }
}
