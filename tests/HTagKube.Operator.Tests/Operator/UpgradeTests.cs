using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using HTagKube.Operator.Pods;
using HTagKube.Operator.Tests.Infrastructure;
using HTagKube.Operator.Warm;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>The operator program with a warm pool of 2, moving idle sessions after 3 s, checking routes every 2 s.</summary>
public sealed class UpgradeFixture : OperatorFixture
{
    protected override string[] OperatorArgs => ["--warm-pool", "2", "--upgrade-idle", "3s", "--route-check", "2s"];
}

/// <summary>
/// A new userpod image (what <c>helm upgrade</c> does to the operator's <c>--image</c>): warm pods are replaced at once,
/// a session keeps its pod while its user is active and moves to the new image once the user is idle (OnIdle).
/// </summary>
public sealed class UpgradeTests(UpgradeFixture f, ITestOutputHelper output) : IClassFixture<UpgradeFixture>, IDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(150)).Token;

    public void Dispose()
    {
        if (f.Operator is null) return;
        foreach (var line in f.Operator.Log.TakeLast(40)) output.WriteLine(line);
    }

    async Task<List<V1Pod>> PodsAsync(string selector) =>
        [.. (await f.Client.CoreV1.ListNamespacedPodAsync(f.Namespace, labelSelector: selector, cancellationToken: Ct)).Items
            .Where(p => p.Metadata.DeletionTimestamp is null)];

    async Task<V1Pod?> ServingPodAsync(HTagSession s)
    {
        var now = await f.Client.ReadSessionAsync(f.Namespace, s.Metadata.Name, Ct).OrNullIfNotFound();
        if (now?.Status?.Phase != SessionPhase.Ready || now.Status.PodName is not { } name) return null;
        var pod = await f.Client.CoreV1.ReadNamespacedPodAsync(name, f.Namespace, cancellationToken: Ct).OrNullIfNotFound();
        return pod is not null && PodHealth.IsReady(pod) && now.Status.Image == UserpodPod.ImageOf(pod) ? pod : null;
    }

    [ClusterFact]
    public async Task A_new_image_replaces_warm_pods_at_once_and_moves_a_session_only_once_its_user_is_idle()
    {
        var s = f.NewSession(idleSeconds: 600);
        await f.Client.CreateSessionAsync(s, Ct);
        var before = await Eventually.Value(() => ServingPodAsync(s), Wait, "session Ready on the first image");
        Assert.Equal(Images.Userpod, UserpodPod.ImageOf(before));

        var next = await Images.RetaggedUserpodAsync("next");
        await f.RestartOperatorAsync("--image", next);

        // The user is active (the router touches the route on every request): the session stays where it is, while
        // the warm pool is already all on the new image.
        var activeUntil = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTimeOffset.UtcNow < activeUntil)
        {
            Assert.True(await f.Routes.TouchAsync(s.Spec.UserKey, TimeSpan.FromSeconds(600), Ct), "the route is there");
            var pod = await f.Client.CoreV1.ReadNamespacedPodAsync(before.Metadata.Name, f.Namespace, cancellationToken: Ct).OrNullIfNotFound();
            Assert.True(pod is not null && pod.Metadata.Uid == before.Metadata.Uid && pod.Metadata.DeletionTimestamp is null,
                "an active user's pod is not moved");
            await Task.Delay(TimeSpan.FromSeconds(1), Ct); // the user's pace, not a synchronisation
        }
        await Eventually.True(async () =>
        {
            var warm = (await PodsAsync($"{WarmPodManifests.WarmLabel}={WarmPodManifests.Warm}")).Where(WarmPodManifests.IsWarm).ToList();
            return warm.Count == 2 && warm.All(p => UserpodPod.ImageOf(p) == next && PodHealth.IsReady(p));
        }, Wait, "two Ready warm pods, all on the new image");

        // Idle for 3 s: the session moves to a pod on the new image, and its status (kubectl's IMAGE) says so.
        var after = await Eventually.Value(async () =>
            await ServingPodAsync(s) is { } p && p.Metadata.Uid != before.Metadata.Uid ? p : null, Wait, "session Ready on the new image");
        Assert.Equal(next, UserpodPod.ImageOf(after));
        Assert.Null(await f.Client.CoreV1.ReadNamespacedPodAsync(before.Metadata.Name, f.Namespace, cancellationToken: Ct).OrNullIfNotFound() is { } old
            && old.Metadata.Uid == before.Metadata.Uid && old.Metadata.DeletionTimestamp is null ? old : null);
        var route = await f.Routes.GetAsync(s.Spec.UserKey, Ct);
        Assert.Equal($"{after.Status!.PodIP}:8080", route?.Endpoint);
    }
}
