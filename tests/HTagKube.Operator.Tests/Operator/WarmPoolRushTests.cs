using System.Globalization;
using HTagKube.Api.V1Alpha1;
using HTagKube.Operator.Tests.Infrastructure;
using HTagKube.Operator.Warm;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>
/// The operator program with a fixed pool of 2 whose pods can never be scheduled (they ask for more CPU than the node
/// has): warm pods that stay starting for as long as the test needs, as a rush finds them on a busy node.
/// </summary>
public sealed class StartingWarmPoolFixture : OperatorFixture
{
    public const int Size = 2;
    protected override string[] OperatorArgs =>
        ["--warm-pool", Size.ToString(CultureInfo.InvariantCulture), "--pod-start-timeout", "300s",
         "--Operator:DefaultRequests:cpu", "64", "--Operator:DefaultLimits:cpu", "64"];
}

/// <summary>
/// Under a rush the pool gives way to the sessions: with no warm pod Ready a session takes a starting one (its start is
/// under way) rather than a pod of its own, and the pool starts no pods beside those the sessions wait for.
/// </summary>
public sealed class WarmPoolRushTests(StartingWarmPoolFixture f, ITestOutputHelper output)
    : IClassFixture<StartingWarmPoolFixture>, IDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(150)).Token;

    public void Dispose() => Pool.WriteLog(f, output);

    async Task<List<V1Pod>> PodsAsync() =>
        [.. (await f.Client.CoreV1.ListNamespacedPodAsync(f.Namespace, cancellationToken: Ct)).Items.Where(p => p.Metadata.DeletionTimestamp is null)];

    [ClusterFact]
    public async Task With_no_warm_pod_Ready_sessions_take_starting_ones_and_the_pool_waits_for_them()
    {
        var pool = await Eventually.Value(async () =>
        {
            var warm = (await PodsAsync()).Where(WarmPodManifests.IsWarm).ToList();
            return warm.Count == StartingWarmPoolFixture.Size ? warm : null;
        }, Wait, $"{StartingWarmPoolFixture.Size} warm pods");
        Assert.DoesNotContain(pool, Pods.PodHealth.IsReady);
        var poolNames = pool.Select(p => p.Metadata.Name!).ToHashSet();

        // One session more than the pool holds, at once.
        var sessions = Enumerable.Range(0, StartingWarmPoolFixture.Size + 1).Select(_ => f.NewSession()).ToList();
        await Task.WhenAll(sessions.Select(s => f.Client.CreateSessionAsync(s, Ct)));
        var podNames = await Eventually.Value(async () =>
        {
            var read = await Task.WhenAll(sessions.Select(s => f.Client.ReadSessionAsync(f.Namespace, s.Metadata.Name, Ct)));
            var pods = await PodsAsync();
            // Each session's pod exists and names it as owner.
            var names = read.Select(s => s.Status?.PodName).ToList();
            return names.All(n => n is not null && pods.Any(p => p.Metadata.Name == n
                && p.Metadata.OwnerReferences?.Any(o => o.Controller == true && read.Any(s => s.Metadata.Uid == o.Uid)) == true))
                ? names : null;
        }, Wait, "every session with a pod of its own or a claimed one");
        output.WriteLine($"pool {string.Join(", ", poolNames)}; sessions' pods {string.Join(", ", podNames)}");
        Assert.Equal(StartingWarmPoolFixture.Size, podNames.Count(n => poolNames.Contains(n!))); // the starting warm pods were taken
        Assert.Single(podNames, n => !n!.StartsWith(WarmPodManifests.NamePrefix, StringComparison.Ordinal)); // the one more: its own

        // The pods the sessions wait for count against the pool's 2: it starts none beside them (two refill passes).
        var watched = DateTimeOffset.UtcNow;
        while (DateTimeOffset.UtcNow - watched < TimeSpan.FromSeconds(5))
        {
            Assert.DoesNotContain(await PodsAsync(), WarmPodManifests.IsWarm);
            await Task.Delay(250);
        }

        // Once they no longer wait (here: ended), the pool fills again.
        foreach (var s in sessions) await f.Client.DeleteSessionAsync(f.Namespace, s.Metadata.Name!, null, Ct);
        await Eventually.True(async () => (await PodsAsync()).Count(WarmPodManifests.IsWarm) == StartingWarmPoolFixture.Size, Wait,
            "the pool refilled after the sessions ended");
    }
}
