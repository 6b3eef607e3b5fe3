using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using k8s;
using k8s.Models;
using HTagKube.Operator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.EndToEnd;

/// <summary>
/// Issue 5's end-to-end scenarios: browsers → router (Kubernetes mode) → one pod per user, with the operator
/// and Redis as local processes against the real cluster. The tests of this class share one router and run in order.
/// </summary>
[TestCaseOrderer("HTagKube.Operator.Tests.Infrastructure.DeclarationOrderer", "HTagKube.Operator.Tests")]
public sealed class KubernetesModeTests(KubernetesModeFixture f, ITestOutputHelper output) : IClassFixture<KubernetesModeFixture>, IDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    public void Dispose() => f.WriteLogs(output);

    async Task<List<HTagSession>> SessionsAsync() => [.. (await f.Client.ListSessionsAsync(f.Namespace, null, Ct)).Items];

    async Task<List<V1Pod>> LivePodsAsync() =>
        (await f.Client.CoreV1.ListNamespacedPodAsync(f.Namespace, labelSelector: "app.kubernetes.io/managed-by=htagkube-operator", cancellationToken: Ct))
        .Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();

    static async Task<string> UserKeyOfAsync(IEnumerable<HTagSession> before, Func<Task<List<HTagSession>>> now)
    {
        var known = before.Select(s => s.Spec.UserKey).ToHashSet();
        var fresh = (await now()).Where(s => !known.Contains(s.Spec.UserKey)).ToList();
        return Assert.Single(fresh).Spec.UserKey;
    }

    [ClusterFact]
    public async Task Users_get_their_own_pods_and_survive_pod_loss_operator_restart_and_redis_flush()
    {
        // Two users → two Ready HTagSessions, two pods; each click round-trips router → the user's pod.
        var alice = await f.Browser.NewUserAsync();
        var before = await SessionsAsync();
        await Counter.OpenAsync(alice, f.Router.BaseAddress);
        var aliceKey = await UserKeyOfAsync(before, SessionsAsync);
        var bob = await f.Browser.NewUserAsync();
        before = await SessionsAsync();
        await Counter.OpenAsync(bob, f.Router.BaseAddress);
        var bobKey = await UserKeyOfAsync(before, SessionsAsync);

        await Counter.ClickAsync(alice, 1);
        await Counter.ClickAsync(alice, 2);
        await Counter.ClickAsync(bob, 1);
        Assert.Equal("2", await Counter.CountAsync(alice));

        var sessions = await SessionsAsync();
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.Equal(SessionPhase.Ready, s.Status?.Phase));
        var pods = await LivePodsAsync();
        Assert.Equal(2, pods.Count);
        Assert.NotEqual(pods[0].Status!.PodIP, pods[1].Status!.PodIP);

        var table = await f.KubectlGetSessionsAsync();
        output.WriteLine(table);
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "USER", "PERSON", "PHASE", "POD", "IP", "IMAGE", "IDLE", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        foreach (var key in new[] { aliceKey, bobKey })
            Assert.Contains(lines, l => l.Contains(key[..8]) && l.Contains(" Ready ") && l.Contains("hs-" + key[..20]));
        Assert.DoesNotContain(aliceKey, table); // only short forms are shown

        // Redis flushed → routes re-published, no session lost, the pod (and its state) kept.
        var alicePod = pods.Single(p => p.Metadata.Labels!["htagkube.io/user"] == aliceKey);
        await f.Redis.Client.GetServer(f.Redis.Client.GetEndPoints()[0]).FlushAllDatabasesAsync();
        await alice.ReopenAsync();
        await Counter.ClickAsync(alice, 3); // same pod: the counter continues
        Assert.Equal(2, (await SessionsAsync()).Count);
        Assert.Contains(await LivePodsAsync(), p => p.Metadata.Uid == alicePod.Metadata.Uid);

        // Operator killed (SIGKILL) and restarted → no duplicate or orphan pods, users keep working.
        await f.RestartOperatorAsync();
        await Counter.ClickAsync(bob, 2);
        var podsAfterRestart = await LivePodsAsync();
        Assert.Equal(pods.Select(p => p.Metadata.Uid).Order(), podsAfterRestart.Select(p => p.Metadata.Uid).Order());

        // Deleting a user's pod → recreated; the user works again (fresh pod: a fresh counter).
        await f.Client.CoreV1.DeleteNamespacedPodAsync(alicePod.Metadata.Name!, f.Namespace, new V1DeleteOptions { GracePeriodSeconds = 0 }, cancellationToken: Ct);
        await Eventually.True(async () =>
        {
            var s = await f.Client.ReadSessionAsync(f.Namespace, alicePod.Metadata.Name!, Ct);
            var p = await f.Client.CoreV1.ReadNamespacedPodAsync(alicePod.Metadata.Name!, f.Namespace, cancellationToken: Ct).OrNullIfNotFound();
            return s.Status?.Phase == SessionPhase.Ready && p is not null && p.Metadata.Uid != alicePod.Metadata.Uid;
        }, Wait, "alice's session Ready on a new pod");
        await Counter.OpenAsync(alice, f.Router.BaseAddress);
        await Counter.ClickAsync(alice, 1);
        Assert.Equal(2, (await LivePodsAsync()).Count);
        Assert.Equal(2, (await SessionsAsync()).Count);
    }

    [ClusterFact]
    public async Task Idle_users_lose_session_pod_and_secret_after_the_ttl()
    {
        // A second router of the same cluster with a short idle timeout (spec.idleTimeoutSeconds = 12).
        await using var router = await RouterProcess.StartAsync(f.Namespace, f.Redis.Configuration, TimeSpan.FromSeconds(12));
        var carol = await f.Browser.NewUserAsync();
        var before = await SessionsAsync();
        await Counter.OpenAsync(carol, router.BaseAddress);
        var key = await UserKeyOfAsync(before, SessionsAsync);
        await Counter.ClickAsync(carol, 1);
        var name = "hs-" + key[..20];
        Assert.Equal(12, (await f.Client.ReadSessionAsync(f.Namespace, name, Ct)).Spec.IdleTimeoutSeconds);
        await carol.Context.CloseAsync(); // the user leaves: no more activity

        await Eventually.True(async () =>
            await f.Client.ReadSessionAsync(f.Namespace, name, Ct).OrNullIfNotFound() is null
            && await f.Client.CoreV1.ReadNamespacedPodAsync(name, f.Namespace, cancellationToken: Ct).OrNullIfNotFound() is null
            && await f.Client.CoreV1.ReadNamespacedSecretAsync(name + "-token", f.Namespace, cancellationToken: Ct).OrNullIfNotFound() is null,
            Wait, "session, pod and secret gone after the idle TTL");
        Assert.Null(await f.Routes.GetAsync(key, Ct));
    }
}
