using HTagKube.Kubernetes.Runtime;
using k8s;
using HTagKube.Operator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Kubernetes;

public sealed class LeaderElectionTests(KubeFixture kube, ITestOutputHelper output) : IClassFixture<KubeFixture>
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    sealed class Candidate
    {
        public required Leadership Elector;
        public Task Run = Task.CompletedTask;
        public required CancellationTokenSource Cts;
        public volatile bool Leading;
        public int Terms;
    }

    Candidate Start(IKubernetes client, string lease, string id, int leaseSeconds = 3)
    {
        var elector = new Leadership(client, new LeaderElectionOptions
        {
            Namespace = kube.Namespace, LeaseName = lease, Identity = id,
            LeaseDuration = TimeSpan.FromSeconds(leaseSeconds), RenewDeadline = TimeSpan.FromSeconds(leaseSeconds * 2 / 3.0), RetryPeriod = TimeSpan.FromMilliseconds(300),
        }, new TestLogger(output, id));
        var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        // Built before the elector runs: it may win the lease and call the work before RunAsync returns.
        var c = new Candidate { Elector = elector, Cts = cts };
        c.Run = elector.RunAsync(async ct =>
        {
            c.Leading = true;
            Interlocked.Increment(ref c.Terms);
            try { await Task.Delay(Timeout.Infinite, ct); }
            finally { c.Leading = false; }
        }, cts.Token);
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
    public async Task Graceful_shutdown_hands_the_lease_over_and_only_one_leads()
    {
        // A long lease (15 s), so a hand-over that waited for expiry cannot pass for a released lease on a slow machine.
        var a = Start(kube.Client, "graceful", "a", leaseSeconds: 15);
        await Eventually.True(() => a.Leading, Wait, "a leads");
        var b = Start(kube.Client, "graceful", "b", leaseSeconds: 15);
        using var watch = new CancellationTokenSource();
        var exclusive = NeverBothAsync(a, b, watch.Token);

        var lease = await kube.Client.CoordinationV1.ReadNamespacedLeaseAsync("graceful", kube.Namespace);
        Assert.Equal("a", lease.Spec.HolderIdentity);
        Assert.False(b.Leading);

        var before = DateTime.UtcNow;
        a.Cts.Cancel();
        await a.Run;
        await Eventually.True(() => b.Leading, Wait, "b takes over");
        // Released lease: b does not have to wait out the 15 s lease duration (it retries every 300 ms); the
        // operator's promise is 2 s, a loaded CI machine gets some slack.
        Assert.True(DateTime.UtcNow - before < TimeSpan.FromSeconds(5), $"hand-over took {DateTime.UtcNow - before}");
        lease = await kube.Client.CoordinationV1.ReadNamespacedLeaseAsync("graceful", kube.Namespace);
        Assert.Equal("b", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);

        watch.Cancel();
        Assert.True(await exclusive, "both candidates led at the same time");
        b.Cts.Cancel();
        await b.Run;
    }

    [ClusterFact]
    public async Task A_leader_cut_off_from_the_API_steps_down_and_the_standby_takes_over_after_expiry()
    {
        var (flakyClient, flaky) = kube.NewPartitionableClient();
        using var _ = flakyClient;
        var a = Start(flakyClient, "crash", "a");
        await Eventually.True(() => a.Leading, Wait, "a leads");
        var b = Start(kube.Client, "crash", "b");
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
}
