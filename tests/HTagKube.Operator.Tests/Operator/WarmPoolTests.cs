using System.Diagnostics;
using System.Net;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using k8s;
using k8s.Models;
using HTagKube.Operator.Warm;
using HTagKube.Operator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>The operator program with <c>--warm-pool 4</c>.</summary>
public sealed class WarmPoolFixture : OperatorFixture
{
    public const int Size = 4;
    protected override string[] OperatorArgs => ["--warm-pool", Size.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}

/// <summary>Warm pool against the real cluster: fill, claims under concurrency, refill, replacement, speed.</summary>
[TestCaseOrderer("HTagKube.Operator.Tests.Infrastructure.DeclarationOrderer", "HTagKube.Operator.Tests")]
public sealed class WarmPoolTests(WarmPoolFixture f, ITestOutputHelper output) : IClassFixture<WarmPoolFixture>, IDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(150)).Token;

    public void Dispose()
    {
        if (f.Operator is null) return;
        foreach (var line in f.Operator.Log.TakeLast(40)) output.WriteLine(line);
    }

    async Task<List<V1Pod>> WarmAsync()
    {
        var pods = await f.Client.CoreV1.ListNamespacedPodAsync(f.Namespace, labelSelector: $"{WarmPodManifests.WarmLabel}={WarmPodManifests.Warm}", cancellationToken: Ct);
        return pods.Items.Where(WarmPodManifests.IsWarm).ToList();
    }

    /// <summary>Exactly <see cref="WarmPoolFixture.Size"/> warm pods, all Ready.</summary>
    async Task<List<V1Pod>> FullPoolAsync() => await Eventually.Value(async () =>
    {
        var warm = await WarmAsync();
        return warm.Count == WarmPoolFixture.Size && warm.All(Pods.PodHealth.IsReady) ? warm : null;
    }, Wait, $"{WarmPoolFixture.Size} ready warm pods");

    async Task<HTagSession> ReadyAsync(string name) => await Eventually.Value(async () =>
    {
        var s = await f.Client.ReadSessionAsync(f.Namespace, name, Ct).OrNullIfNotFound();
        return s?.Status?.Phase == SessionPhase.Ready ? s : null;
    }, Wait, $"session {name} Ready");

    async Task<string> MetricsAsync() => await Http.GetStringAsync(new Uri(f.Operator.Url, "/metrics"));

    static double Metric(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault();

    [ClusterFact]
    public async Task Pool_fills_with_hardened_unassigned_pods_that_are_not_sessions()
    {
        var warm = await FullPoolAsync();
        Assert.Empty((await f.Client.ListSessionsAsync(f.Namespace, null, Ct)).Items);
        foreach (var p in warm)
        {
            Assert.StartsWith(WarmPodManifests.NamePrefix, p.Metadata.Name);
            Assert.False(p.Metadata.Labels!.ContainsKey("htagkube.io/user"));
            Assert.False(p.Metadata.Labels.ContainsKey("htagkube.io/session"));
            Assert.True(p.Metadata.OwnerReferences is null or { Count: 0 });
            Assert.False(p.Spec.AutomountServiceAccountToken);
            Assert.Equal("RuntimeDefault", p.Spec.SecurityContext!.SeccompProfile!.Type);
            var c = Assert.Single(p.Spec.Containers);
            Assert.True(c.SecurityContext!.ReadOnlyRootFilesystem);
            Assert.Equal(["ALL"], c.SecurityContext.Capabilities!.Drop!);
            Assert.Equal(Images.Userpod, c.Image);
            // Renders its apps once before /readyz answers (HTagOptions.WarmUp), and being Ready it has done so.
            Assert.Contains(c.Env!, e => e.Name == WarmPodManifests.WarmUpEnv && e.Value == "1");
            // Its own token, in a Secret the pod owns (collected with it).
            var secret = await f.Client.CoreV1.ReadNamespacedSecretAsync(HTagKube.Operator.Pods.UserpodPod.TokenSecretName(p)!, f.Namespace, cancellationToken: Ct);
            Assert.Equal(p.Metadata.Uid, Assert.Single(secret.Metadata.OwnerReferences!).Uid);
        }
        Assert.Equal(warm.Count, warm.Select(p => HTagKube.Operator.Pods.UserpodPod.TokenSecretName(p)).Distinct().Count());
        var m = await MetricsAsync();
        Assert.Equal(WarmPoolFixture.Size, Metric(m, "htagkube_warm_pool_pods{state=\"ready\"}"));
        Assert.Equal(WarmPoolFixture.Size, Metric(m, "htagkube_warm_pool_target"));
        Assert.Contains("htagkube_warm_pool_refill_seconds_count", m);
    }

    [ClusterFact]
    public async Task A_session_claims_a_warm_pod_and_one_the_pool_cannot_serve_starts_cold()
    {
        await FullPoolAsync();
        async Task<(HTagSession Session, TimeSpan Routed)> TimeAsync(HTagSession s)
        {
            var sw = Stopwatch.StartNew();
            await f.Client.CreateSessionAsync(s, Ct);
            while (await f.Routes.GetAsync(s.Spec.UserKey, Ct) is null)
            {
                if (sw.Elapsed > Wait) throw new TimeoutException("no route");
                await Task.Delay(5);
            }
            return (s, sw.Elapsed);
        }
        var (warmSession, warm) = await TimeAsync(f.NewSession());
        // Same image, but explicit resources: a warm pod cannot serve it, so it starts cold.
        var cold = f.NewSession();
        cold.Spec.Resources = new SessionResources { Requests = new() { ["cpu"] = "11m", ["memory"] = "48Mi" }, Limits = new() { ["cpu"] = "500m", ["memory"] = "256Mi" } };
        var (_, coldTime) = await TimeAsync(cold);
        output.WriteLine($"create → route published: warm pod {warm.TotalMilliseconds:F0} ms, cold pod {coldTime.TotalMilliseconds:F0} ms");
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "warm-pool-timing.txt"),
            $"{DateTimeOffset.UtcNow:O} warm {warm.TotalMilliseconds:F0} ms, cold {coldTime.TotalMilliseconds:F0} ms\n");

        var s = await ReadyAsync(warmSession.Metadata.Name!);
        Assert.StartsWith(WarmPodManifests.NamePrefix, s.Status!.PodName);
        Assert.Equal((await ReadyAsync(cold.Metadata.Name!)).Metadata.Name, (await ReadyAsync(cold.Metadata.Name!)).Status!.PodName);
        // Speed is reported above, not asserted: timings on a shared 2-core machine belong in the bench.
    }

    [ClusterFact]
    public async Task Many_simultaneous_sessions_each_claim_a_distinct_pod_and_the_pool_refills()
    {
        var before = await FullPoolAsync();
        var beforeNames = before.Select(p => p.Metadata.Name!).ToHashSet();
        var m0 = await MetricsAsync();
        var sessions = Enumerable.Range(0, 7).Select(_ => f.NewSession()).ToList();
        await Task.WhenAll(sessions.Select(s => f.Client.CreateSessionAsync(s, Ct)));
        var ready = await Task.WhenAll(sessions.Select(s => ReadyAsync(s.Metadata.Name!)));

        var podNames = ready.Select(s => s.Status!.PodName!).ToList();
        Assert.Equal(podNames.Count, podNames.Distinct().Count()); // no pod serves two sessions
        var claimed = ready.Where(s => s.Status!.PodName!.StartsWith(WarmPodManifests.NamePrefix, StringComparison.Ordinal)).ToList();
        Assert.True(claimed.Count >= WarmPoolFixture.Size, $"only {claimed.Count} of {WarmPoolFixture.Size} warm pods claimed");
        Assert.True(claimed.Count(s => beforeNames.Contains(s.Status!.PodName!)) == WarmPoolFixture.Size, "every pod of the full pool claimed exactly once");
        foreach (var s in ready)
        {
            var pod = await f.Client.CoreV1.ReadNamespacedPodAsync(s.Status!.PodName!, f.Namespace, cancellationToken: Ct);
            var owner = Assert.Single(pod.Metadata.OwnerReferences!);
            Assert.Equal(s.Metadata.Uid, owner.Uid);
            Assert.Equal(s.Spec.UserKey, pod.Metadata.Labels!["htagkube.io/user"]);
            // The token follows the pod to the session, beside the route (off the user's way): soon, not necessarily yet.
            var secret = await Eventually.Value(async () =>
            {
                var x = await f.Client.CoreV1.ReadNamespacedSecretAsync(HTagKube.Operator.Pods.UserpodPod.TokenSecretName(pod)!, f.Namespace, cancellationToken: Ct);
                return x.Metadata.OwnerReferences is [{ } o] && o.Uid == s.Metadata.Uid ? x : null;
            }, Wait, $"the token Secret of {pod.Metadata.Name} owned by its session");
            var route = await f.Routes.GetAsync(s.Spec.UserKey, Ct);
            Assert.Equal($"{pod.Status!.PodIP}:8080", route!.Endpoint);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(secret.Data!["token"]), route.Token);
            using var req = new HttpRequestMessage(HttpMethod.Get, $"http://{route.Endpoint}/");
            req.Headers.Add("X-HTag-Token", route.Token);
            Assert.Equal(HttpStatusCode.OK, (await Http.SendAsync(req)).StatusCode);
        }

        // Refilled with new pods; the claimed ones never come back to the pool.
        var after = await FullPoolAsync();
        Assert.DoesNotContain(after, p => beforeNames.Contains(p.Metadata.Name!));
        var m1 = await MetricsAsync();
        Assert.Equal(claimed.Count, Metric(m1, "htagkube_warm_pool_claims_total") - Metric(m0, "htagkube_warm_pool_claims_total"));
        Assert.Equal(ready.Length - claimed.Count, Metric(m1, "htagkube_warm_pool_misses_total") - Metric(m0, "htagkube_warm_pool_misses_total"));
        Assert.Equal(ready.Length, (await f.Client.ListSessionsAsync(f.Namespace, "htagkube.io/user", Ct)).Items
            .Count(x => sessions.Any(s => s.Metadata.Name == x.Metadata.Name))); // warm pods are not sessions

        foreach (var s in sessions) await f.Client.DeleteSessionAsync(f.Namespace, s.Metadata.Name!, null, Ct);
    }

    [ClusterFact]
    public async Task A_killed_warm_pod_is_replaced()
    {
        var before = await FullPoolAsync();
        var victim = before[0];
        await f.Client.CoreV1.DeleteNamespacedPodAsync(victim.Metadata.Name!, f.Namespace, new V1DeleteOptions { GracePeriodSeconds = 0 }, cancellationToken: Ct);
        var after = await Eventually.Value(async () =>
        {
            var warm = await WarmAsync();
            return warm.Count == WarmPoolFixture.Size && warm.All(Pods.PodHealth.IsReady) && warm.All(p => p.Metadata.Name != victim.Metadata.Name) ? warm : null;
        }, Wait, "pool refilled after a killed warm pod");
        Assert.Equal(WarmPoolFixture.Size - 1, after.Count(p => before.Any(b => b.Metadata.Uid == p.Metadata.Uid)));
        // The victim's Secret went with it (owned by the pod).
        await Eventually.True(async () =>
            await f.Client.CoreV1.ReadNamespacedSecretAsync(WarmPodManifests.SecretName(victim.Metadata.Name!), f.Namespace, cancellationToken: Ct).OrNullIfNotFound() is null, Wait, "victim's secret collected");
    }

    [ClusterFact]
    public async Task Ready_warm_pods_are_offered_a_session_naming_a_taken_one_gets_it_and_a_take_nobody_follows_is_replaced()
    {
        var pool = await FullPoolAsync();
        var offers = new HTagKube.Routing.WarmPodOffers(f.Routes.Connection);
        await Eventually.True(async () =>
        {
            var offered = await offers.OfferedAsync(Ct);
            return pool.All(p => offered.Contains(p.Metadata.Name!));
        }, Wait, "every Ready warm pod offered to the routers");

        // A router's way: it takes an offer, then creates the user's HTagSession naming the pod.
        var taken = await offers.TakeAsync(Ct) ?? throw new InvalidOperationException("no offer");
        var session = f.NewSession();
        session.Metadata.Annotations = new Dictionary<string, string> { [HTagKube.Contract.KubernetesNames.WarmPodAnnotation] = taken.Pod };
        await f.Client.CreateSessionAsync(session, Ct);
        var ready = await ReadyAsync(session.Metadata.Name!);
        Assert.Equal(taken.Pod, ready.Status!.PodName);
        var route = await f.Routes.GetAsync(session.Spec.UserKey, Ct);
        Assert.Equal((taken.Endpoint, taken.Token), (route!.Endpoint, route.Token));
        Assert.DoesNotContain(taken.Pod, await offers.OfferedAsync(Ct));

        // A take no session follows (its router died in between): the pod is deleted after the grace, the pool refills.
        var abandoned = await offers.TakeAsync(Ct) ?? throw new InvalidOperationException("no second offer");
        await Eventually.True(async () =>
            await f.Client.CoreV1.ReadNamespacedPodAsync(abandoned.Pod, f.Namespace, cancellationToken: Ct).OrNullIfNotFound()
                is null or { Metadata.DeletionTimestamp: not null },
            WarmOfferBook.TakenGrace + Wait, "the abandoned take deleted");
        await FullPoolAsync();
    }
}
