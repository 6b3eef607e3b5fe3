using System.Net;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using k8s;
using k8s.Models;
using HTagKube.Operator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>The operator program against the real cluster (real pods of the userpod image) and a real Redis.</summary>
public sealed class SessionLifecycleTests(OperatorFixture f, ITestOutputHelper output) : IClassFixture<OperatorFixture>, IDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    public void Dispose()
    {
        if (f.Operator is null) return;
        foreach (var line in f.Operator.Log.TakeLast(60)) output.WriteLine(line);
    }

    async Task<HTagSession> ReadyAsync(string name, Func<HTagSession, bool>? also = null) =>
        await Eventually.Value(async () =>
        {
            var s = await f.Client.ReadSessionAsync(f.Namespace, name, Ct).OrNullIfNotFound();
            return s?.Status?.Phase == SessionPhase.Ready && (also?.Invoke(s) ?? true) ? s : null;
        }, Wait, $"session {name} Ready");

    static async Task<HttpResponseMessage> GetAsync(string url, string? token)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null) req.Headers.Add("X-HTag-Token", token);
        return await Http.SendAsync(req);
    }

    [ClusterFact]
    public async Task Session_gets_a_hardened_pod_a_token_secret_and_a_route_that_serves()
    {
        var created = await f.Client.CreateSessionAsync(f.NewSession(), Ct);
        var name = created.Metadata.Name!;
        var s = await ReadyAsync(name);
        var st = s.Status!;
        Assert.Equal(name, st.PodName);
        Assert.Equal(8080, st.Port);
        Assert.Equal(s.Spec.UserKey[..8], st.User);
        Assert.NotNull(st.ReadySince);
        Assert.NotNull(st.RouteEpoch);
        Assert.Contains(st.Conditions!, c => c.Type == "Ready" && c.Status == "True");
        Assert.Contains(HTagKube.Contract.KubernetesNames.RouteFinalizer, s.Metadata.Finalizers!);

        var pod = await f.Client.CoreV1.ReadNamespacedPodAsync(name, f.Namespace, cancellationToken: Ct);
        Assert.Equal(st.PodIP, pod.Status!.PodIP);
        var owner = Assert.Single(pod.Metadata.OwnerReferences!);
        Assert.Equal((HTagSession.KindName, s.Metadata.Uid, true), (owner.Kind, owner.Uid, owner.Controller == true));
        Assert.Equal(s.Spec.UserKey, pod.Metadata.Labels!["htagkube.io/user"]);
        Assert.False(pod.Spec.AutomountServiceAccountToken);
        Assert.False(pod.Spec.EnableServiceLinks);
        Assert.True(pod.Spec.SecurityContext!.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.Spec.SecurityContext.SeccompProfile!.Type);
        var c = Assert.Single(pod.Spec.Containers);
        Assert.Equal(Images.Userpod, c.Image);
        Assert.True(c.SecurityContext!.ReadOnlyRootFilesystem);
        Assert.False(c.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], c.SecurityContext.Capabilities!.Drop!);
        // Ready once /readyz answers, and no probe every second after that (an idle userpod's main cost, #26).
        Assert.Equal("/readyz", c.StartupProbe!.HttpGet!.Path);
        Assert.Equal(1, c.StartupProbe.PeriodSeconds);
        Assert.Null(c.ReadinessProbe);
        Assert.Equal("/healthz", c.LivenessProbe!.HttpGet!.Path);
        Assert.Equal(30, c.LivenessProbe.PeriodSeconds);
        Assert.Equal("500m", c.Resources!.Limits!["cpu"]);
        Assert.Equal("16Mi", c.Resources.Requests!["memory"]);
        Assert.Contains(c.Env!, e => e.Name == "DOTNET_EnableDiagnostics" && e.Value == "0");
        Assert.Contains(c.VolumeMounts!, m => m.MountPath == "/tmp");
        var tokenRef = c.Env!.Single(e => e.Name == "HTAG_TOKEN").ValueFrom!.SecretKeyRef!;

        var secret = await f.Client.CoreV1.ReadNamespacedSecretAsync(tokenRef.Name, f.Namespace, cancellationToken: Ct);
        Assert.Equal(s.Metadata.Uid, secret.Metadata.OwnerReferences!.Single().Uid);
        var token = System.Text.Encoding.UTF8.GetString(secret.Data![tokenRef.Key]);
        Assert.True(token.Length >= 43);

        var route = await f.Routes.GetAsync(s.Spec.UserKey, Ct);
        Assert.NotNull(route);
        Assert.Equal($"{st.PodIP}:8080", route!.Endpoint);
        Assert.Equal(name, route.Session);
        Assert.Equal(token, route.Token);
        var ttl = await f.Redis.Client.GetDatabase().KeyTimeToLiveAsync("htagkube:route:" + s.Spec.UserKey);
        Assert.InRange(ttl!.Value.TotalSeconds, 500, 600);

        // The pod really serves: health without token, app only with the session's token.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync($"http://{route.Endpoint}/readyz", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync($"http://{route.Endpoint}/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync($"http://{route.Endpoint}/", "wrong")).StatusCode);
        var page = await GetAsync($"http://{route.Endpoint}/", token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        // Deleting the session: the finalizer clears the route, GC takes pod and secret.
        await f.Client.DeleteSessionAsync(f.Namespace, name, null, Ct);
        await Eventually.True(async () => await f.Client.ReadSessionAsync(f.Namespace, name, Ct).OrNullIfNotFound() is null, Wait, "session gone");
        Assert.Null(await f.Routes.GetAsync(s.Spec.UserKey, Ct));
        await Eventually.True(async () => await f.Client.CoreV1.ReadNamespacedSecretAsync(tokenRef.Name, f.Namespace, cancellationToken: Ct).OrNullIfNotFound() is null, Wait, "secret collected");
    }

    [ClusterFact]
    public async Task A_cold_start_writes_each_phase_of_the_status_once()
    {
        // Every status write is an API request and a watch event (one more reconcile): a start writes Pending, Starting
        // (when the kubelet reports it Running before Ready) and Ready, not each routine step between them.
        var s = f.NewSession();
        var created = await f.Client.CreateSessionAsync(s, Ct);
        using var cts = new CancellationTokenSource(Wait);
        var written = new List<HTagSessionStatus>();
        await foreach (var (_, x) in f.Client.WatchSessionsAsync(f.Namespace, null, created.Metadata.ResourceVersion, 90, _ => { }, cts.Token))
        {
            if (x.Metadata.Name != s.Metadata.Name || x.Status is not { } status) continue;
            var json = System.Text.Json.JsonSerializer.Serialize(status, HTagSessionJsonContext.Default.HTagSessionStatus);
            if (written.Count == 0 || System.Text.Json.JsonSerializer.Serialize(written[^1], HTagSessionJsonContext.Default.HTagSessionStatus) != json)
                written.Add(status);
            if (status.Phase == SessionPhase.Ready) break;
        }
        foreach (var w in written) output.WriteLine($"{w.Phase} ip={w.PodIP} '{w.Message}'");
        Assert.Equal(SessionPhase.Ready, written[^1].Phase);
        Assert.Equal(written.Count, written.Select(w => w.Phase).Distinct().Count());
    }

    [ClusterFact]
    public async Task Warm_pool_size_zero_keeps_no_warm_pods_and_every_session_starts_its_own_pod()
    {
        var sessions = Enumerable.Range(0, 3).Select(_ => f.NewSession()).ToList();
        await Task.WhenAll(sessions.Select(s => f.Client.CreateSessionAsync(s, Ct)));
        foreach (var s in sessions) Assert.Equal(s.Metadata.Name, (await ReadyAsync(s.Metadata.Name!)).Status!.PodName);
        var pods = await f.Client.CoreV1.ListNamespacedPodAsync(f.Namespace, labelSelector: "app.kubernetes.io/managed-by=htagkube-operator", cancellationToken: Ct);
        Assert.DoesNotContain(pods.Items, p => p.Metadata.Labels!.ContainsKey("htagkube.io/warm"));
        var metrics = await Http.GetStringAsync(new Uri(f.Operator.Url, "/metrics"));
        Assert.Contains("htagkube_warm_pool_target 0\n", metrics);
        Assert.DoesNotContain("htagkube_warm_pool_claims_total", metrics); // never claimed, never missed: the pool is off
        Assert.DoesNotContain("htagkube_warm_pool_misses_total", metrics);
        foreach (var s in sessions) await f.Client.DeleteSessionAsync(f.Namespace, s.Metadata.Name!, null, Ct);
    }

    [ClusterFact]
    public async Task Two_operator_replicas_only_one_leads_and_the_standby_takes_over_when_it_dies()
    {
        await using var second = await OperatorProcess.StartAsync(f.Namespace, f.Redis.Configuration);
        static async Task<bool> Leads(OperatorProcess p) =>
            !p.HasExited && (await Http.GetStringAsync(new Uri(p.Url, "/metrics"))).Contains("\nhtagkube_leader 1\n");
        await Eventually.True(async () => await Leads(f.Operator) || await Leads(second), Wait, "a leader");
        for (var i = 0; i < 5; i++) Assert.False(await Leads(f.Operator) && await Leads(second), "two leaders");
        var (leader, standby) = await Leads(f.Operator) ? (f.Operator, second) : (second, f.Operator);
        Assert.False(await Leads(standby));

        await leader.KillAsync(); // crash: the lease is not released, the standby waits for it to expire
        await Eventually.True(() => Leads(standby), Wait, "standby takes over");
        var s = await f.Client.CreateSessionAsync(f.NewSession(), Ct);
        await ReadyAsync(s.Metadata.Name!);
        if (leader == f.Operator) await f.RestartOperatorAsync(); // the fixture's operator back, as a standby for now
    }

    [ClusterFact]
    public async Task Route_activity_is_synced_coarsely_into_status_lastActivity()
    {
        var s = await f.Client.CreateSessionAsync(f.NewSession(idleSeconds: 600), Ct);
        var ready = await ReadyAsync(s.Metadata.Name!);
        var first = ready.Status!.LastActivity!.Value;
        // Let time pass so that a touch is distinguishable from the publication (seconds resolution).
        await Eventually.True(() => DateTimeOffset.UtcNow > first.AddSeconds(3), Wait, "3 s elapsed");
        var touched = DateTimeOffset.UtcNow;
        Assert.True(await f.Routes.TouchAsync(s.Spec.UserKey, TimeSpan.FromSeconds(600), Ct)); // what the router does on activity
        var synced = await ReadyAsync(s.Metadata.Name!, x => x.Status!.LastActivity > first);
        Assert.InRange(synced.Status!.LastActivity!.Value, touched.AddSeconds(-2), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [ClusterFact]
    public async Task Deleted_pod_is_recreated_and_the_route_follows_the_new_pod()
    {
        var s = await f.Client.CreateSessionAsync(f.NewSession(), Ct);
        var ready = await ReadyAsync(s.Metadata.Name!);
        var oldPod = await f.Client.CoreV1.ReadNamespacedPodAsync(s.Metadata.Name!, f.Namespace, cancellationToken: Ct);
        var oldRoute = (await f.Routes.GetAsync(s.Spec.UserKey, Ct))!;

        await f.Client.CoreV1.DeleteNamespacedPodAsync(oldPod.Metadata.Name!, f.Namespace, new V1DeleteOptions { GracePeriodSeconds = 0 }, cancellationToken: Ct);
        var again = await Eventually.Value(async () =>
        {
            var p = await f.Client.CoreV1.ReadNamespacedPodAsync(s.Metadata.Name!, f.Namespace, cancellationToken: Ct).OrNullIfNotFound();
            return p is not null && p.Metadata.Uid != oldPod.Metadata.Uid && p.Metadata.DeletionTimestamp is null ? p : null;
        }, Wait, "a new pod");
        // The new pod may get the old pod's IP (docker's bridge reuses a freed address): the route is new all the same.
        var after = await ReadyAsync(s.Metadata.Name!, x => x.Status!.ReadySince > ready.Status!.ReadySince);
        output.WriteLine($"old pod IP {ready.Status!.PodIP}, new pod IP {after.Status!.PodIP}");
        Assert.NotEqual(oldRoute.Since, (await f.Routes.GetAsync(s.Spec.UserKey, Ct))!.Since); // the router sees a new pod
        await Eventually.True(async () => (await f.Routes.GetAsync(s.Spec.UserKey, Ct))?.Endpoint == $"{after.Status!.PodIP}:8080", Wait, "route points at the new pod");
        var pods = await f.Client.CoreV1.ListNamespacedPodAsync(f.Namespace, labelSelector: $"htagkube.io/session={s.Metadata.Name}", cancellationToken: Ct);
        Assert.Equal([again.Metadata.Uid], pods.Items.Where(p => p.Metadata.DeletionTimestamp is null).Select(p => p.Metadata.Uid));
    }

    [ClusterFact]
    public async Task A_pod_that_cannot_start_is_reported_failed_and_recreated_with_backoff()
    {
        var s = await f.Client.CreateSessionAsync(f.NewSession(image: "htagkube/does-not-exist:0.0.1"), Ct);
        var name = s.Metadata.Name!;
        // imagePullPolicy IfNotPresent + no registry: ErrImagePull/ErrImageNeverPull/ImagePullBackOff.
        var failed = await Eventually.Value(async () =>
        {
            var x = await f.Client.ReadSessionAsync(f.Namespace, name, Ct).OrNullIfNotFound();
            return x?.Status is { Phase: SessionPhase.Failed, Restarts: >= 2 } ? x : null;
        }, Wait, "Failed with at least two recreations");
        output.WriteLine($"status message: {failed.Status!.Message}");
        Assert.Contains("Image", failed.Status.Message);
        Assert.Contains(failed.Status.Conditions!, c => c.Type == "Ready" && c.Status == "False" && c.Reason == "Failed");
        Assert.Null(await f.Routes.GetAsync(s.Spec.UserKey, Ct));

        // Fixing the image heals the session.
        await f.Client.PatchSessionAsync(new V1Patch("{\"spec\":{\"image\":\"" + Images.Userpod + "\"}}", V1Patch.PatchType.MergePatch), f.Namespace, name, Ct);
        var ready = await ReadyAsync(name);
        Assert.True(ready.Status!.Restarts >= 2);
    }

    [ClusterFact]
    public async Task Idle_route_expiry_deletes_the_session_its_pod_and_its_secret()
    {
        var s = await f.Client.CreateSessionAsync(f.NewSession(idleSeconds: 10), Ct);
        var name = s.Metadata.Name!;
        await ReadyAsync(name);
        Assert.NotNull(await f.Routes.GetAsync(s.Spec.UserKey, Ct));
        await Eventually.True(async () => await f.Client.ReadSessionAsync(f.Namespace, name, Ct).OrNullIfNotFound() is null, Wait, "session deleted after the idle TTL");
        await Eventually.True(async () =>
            await f.Client.CoreV1.ReadNamespacedPodAsync(name, f.Namespace, cancellationToken: Ct).OrNullIfNotFound() is null
            && await f.Client.CoreV1.ReadNamespacedSecretAsync(name + "-token", f.Namespace, cancellationToken: Ct).OrNullIfNotFound() is null, Wait, "pod and secret collected");
        Assert.Null(await f.Routes.GetAsync(s.Spec.UserKey, Ct));
    }

    [ClusterFact]
    public async Task Redis_data_loss_republishes_routes_and_keeps_every_session()
    {
        var a = await f.Client.CreateSessionAsync(f.NewSession(idleSeconds: 300), Ct);
        var b = await f.Client.CreateSessionAsync(f.NewSession(idleSeconds: 300), Ct);
        var ra = await ReadyAsync(a.Metadata.Name!);
        var rb = await ReadyAsync(b.Metadata.Name!);
        var epoch = (string?)await f.Redis.Client.GetDatabase().StringGetAsync("htagkube:epoch");
        Assert.NotNull(epoch);

        await f.Redis.Client.GetServer(f.Redis.Client.GetEndPoints()[0]).FlushAllDatabasesAsync();
        await Eventually.True(async () =>
            (await f.Redis.Client.GetDatabase().HashGetAsync("htagkube:route:" + a.Spec.UserKey, "endpoint")) == $"{ra.Status!.PodIP}:8080"
            && (await f.Redis.Client.GetDatabase().HashGetAsync("htagkube:route:" + b.Spec.UserKey, "endpoint")) == $"{rb.Status!.PodIP}:8080",
            Wait, "both routes re-published");
        var newEpoch = (string?)await f.Redis.Client.GetDatabase().StringGetAsync("htagkube:epoch");
        Assert.NotEqual(epoch, newEpoch);
        // The operator has judged both sessions in the new epoch (status.routeEpoch) and kept them,
        // Ready on their original pods.
        foreach (var (s, r) in new[] { (a, ra), (b, rb) })
        {
            var now = await ReadyAsync(s.Metadata.Name!, x => x.Status!.RouteEpoch == newEpoch);
            Assert.Equal(r.Metadata.Uid, now.Metadata.Uid);
            Assert.Equal(r.Status!.PodIP, now.Status!.PodIP);
        }
    }

    [ClusterFact]
    public async Task Operator_killed_and_restarted_adopts_everything_without_duplicates_and_serves_metrics()
    {
        var s = await f.Client.CreateSessionAsync(f.NewSession(), Ct);
        await ReadyAsync(s.Metadata.Name!);
        var pod = await f.Client.CoreV1.ReadNamespacedPodAsync(s.Metadata.Name!, f.Namespace, cancellationToken: Ct);

        var metrics = await Http.GetStringAsync(new Uri(f.Operator.Url, "/metrics"));
        Assert.Contains("htagkube_sessions{phase=\"Ready\"}", metrics);
        Assert.Contains("htagkube_reconciles_total", metrics);
        Assert.Contains("htagkube_pod_start_seconds_bucket", metrics);
        Assert.Equal("ok", await Http.GetStringAsync(new Uri(f.Operator.Url, "/healthz")));

        await f.RestartOperatorAsync(); // SIGKILL: the lease is not released; the new one waits for expiry
        var s2 = await f.Client.CreateSessionAsync(f.NewSession(), Ct);
        await ReadyAsync(s2.Metadata.Name!);

        var after = await f.Client.CoreV1.ReadNamespacedPodAsync(s.Metadata.Name!, f.Namespace, cancellationToken: Ct);
        Assert.Equal(pod.Metadata.Uid, after.Metadata.Uid); // adopted, not recreated
        var all = await f.Client.CoreV1.ListNamespacedPodAsync(f.Namespace, labelSelector: "app.kubernetes.io/managed-by=htagkube-operator", cancellationToken: Ct);
        var sessions = await f.Client.ListSessionsAsync(f.Namespace, null, Ct);
        foreach (var p in all.Items.Where(p => p.Metadata.DeletionTimestamp is null))
            Assert.Contains(sessions.Items, x => x.Metadata.Uid == p.Metadata.OwnerReferences!.Single().Uid); // no orphans
        Assert.Equal(all.Items.Count, all.Items.Select(p => p.Metadata.OwnerReferences!.Single().Uid).Distinct().Count()); // no duplicates
        Assert.NotNull(await f.Routes.GetAsync(s.Spec.UserKey, Ct));
    }
}
