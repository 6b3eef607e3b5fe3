using HTagKube.Api.V1Alpha1;
using k8s;
using k8s.Models;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Warm;
using HTagKube.Operator.Tests.Infrastructure;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>
/// The claim step itself against the real API server, in a namespace no operator serves: many claimers racing for
/// one warm pod, exactly one wins (the others get the API server's 409 on the stale resourceVersion).
/// </summary>
public sealed class WarmClaimTests(KubeFixture f) : IClassFixture<KubeFixture>
{
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    async Task<HTagSession> SessionAsync()
    {
        var userKey = HTagKube.Routing.Identity.UserKey.FromUid(HTagKube.Routing.Identity.UserKey.NewUid());
        return await f.Client.CreateSessionAsync(new HTagSession
        {
            Metadata = new V1ObjectMeta { Name = HTagKube.Api.V1Alpha1.SessionNames.ForUserKey(userKey), NamespaceProperty = f.Namespace },
            Spec = new HTagSessionSpec { UserKey = userKey },
        }, Ct);
    }

    /// <summary>A Ready warm pod, as the operator would claim it (status settled: no kubelet write races the claimers).</summary>
    async Task<V1Pod> WarmPodAsync()
    {
        await Images.EnsureUserpodAsync();
        var name = WarmPodManifests.NewName();
        await f.Client.CoreV1.CreateNamespacedSecretAsync(WarmPodManifests.Secret(name, f.Namespace), f.Namespace, cancellationToken: Ct);
        await f.Client.CoreV1.CreateNamespacedPodAsync(WarmPodManifests.Pod(name, f.Namespace, new OperatorOptions { Image = Images.Userpod }), f.Namespace, cancellationToken: Ct);
        return await Eventually.Value(async () =>
        {
            var p = await f.Client.CoreV1.ReadNamespacedPodAsync(name, f.Namespace, cancellationToken: Ct);
            return Pods.PodHealth.IsReady(p) ? p : null;
        }, TimeSpan.FromSeconds(180), $"warm pod {name} ready"); // a start, not what is tested: the node's pace under CI (run x2: over 60 s)
    }

    [ClusterFact]
    public async Task Two_claimers_with_the_same_view_of_one_warm_pod_exactly_one_wins()
    {
        var pods = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => WarmPodAsync()));
        foreach (var ready in pods)
        {
            var pod = await f.Client.CoreV1.ReadNamespacedPodAsync(ready.Metadata.Name!, f.Namespace, cancellationToken: Ct);
            var a = await SessionAsync();
            var b = await SessionAsync();
            var results = await Task.WhenAll(WarmPool.TryClaimAsync(f.Client, pod, a, Ct), WarmPool.TryClaimAsync(f.Client, pod, b, Ct));
            var winners = results.Where(r => r is not null).ToList();
            var won = Assert.Single(winners)!;
            var session = results[0] is not null ? a : b;

            var now = await f.Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name!, f.Namespace, cancellationToken: Ct);
            var owner = Assert.Single(now.Metadata.OwnerReferences!);
            Assert.Equal((session.Metadata.Uid, true), (owner.Uid, owner.Controller == true));
            Assert.Equal(session.Spec.UserKey, now.Metadata.Labels!["htagkube.io/user"]);
            Assert.Equal(session.Metadata.Name, now.Metadata.Labels["htagkube.io/session"]);
            Assert.Equal(WarmPodManifests.Claimed, now.Metadata.Labels[WarmPodManifests.WarmLabel]);
            Assert.False(WarmPodManifests.IsWarm(now));
            // Claiming again (even with the fresh resourceVersion) is refused: it is no longer warm.
            Assert.Null(await WarmPool.TryClaimAsync(f.Client, now, a, Ct));
        }
    }

    [ClusterFact]
    public async Task Eight_claimers_each_reading_the_pod_themselves_exactly_one_wins()
    {
        var pod = await WarmPodAsync();
        var sessions = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SessionAsync()));
        using var start = new SemaphoreSlim(0);
        var claims = sessions.Select(async s =>
        {
            var view = await f.Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name!, f.Namespace, cancellationToken: Ct);
            await start.WaitAsync(Ct);
            return (s, claimed: await WarmPool.TryClaimAsync(f.Client, view, s, Ct));
        }).ToList();
        start.Release(sessions.Length);
        var results = await Task.WhenAll(claims);
        var winner = Assert.Single(results, r => r.claimed is not null);
        var now = await f.Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name!, f.Namespace, cancellationToken: Ct);
        Assert.Equal(winner.s.Metadata.Uid, Assert.Single(now.Metadata.OwnerReferences!).Uid);
    }
}
