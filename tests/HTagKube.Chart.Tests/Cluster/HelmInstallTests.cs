using System.Text.Json.Nodes;
using HTagKube.Chart.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HTagKube.Chart.Tests.Cluster;

/// <summary>
/// The whole system from `helm install htag ./charts` (locally built images, charts/values-local.yaml) in a
/// fresh namespace: pods Ready, two users → two sessions and pods with working clicks, printer columns,
/// their counts kept across force-deleted pods and a `helm upgrade` to a new userpod image, idle TTL teardown, and `helm uninstall` leaving nothing behind. One test, because each step needs the
/// previous one's state and an install costs tens of seconds.
/// </summary>
public sealed class HelmInstallTests(ITestOutputHelper output)
{
    const int IdleSeconds = 30;
    static readonly TimeSpan PodStart = TimeSpan.FromSeconds(120);

    [ClusterFact]
    public async Task Install_two_users_idle_ttl_and_uninstall()
    {
        HTagKube.Testing.Cluster.Require();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        var kube = new Kube(Kube.NewNamespace("htag-chart"));
        var installed = false;
        await LocalImages.EnsureAsync(output.WriteLine, ct);
        await Tool.KubectlAsync(ct, "create", "namespace", kube.Namespace);
        try
        {
            Step("helm install");
            string[] args =
            [
                "install", HelmChart.Release, Repo.Chart, "-n", kube.Namespace, "-f", Path.Combine(Repo.Chart, "values-local.yaml"),
                "--set", $"sessions.idleTimeoutSeconds={IdleSeconds}", "--set", "router.resources.requests.cpu=10m",
                "--wait", "--timeout", "4m",
            ];
            // Developer aid: more values, e.g. CHART_TEST_SET="router.image.tag=dev" to try a locally built image.
            foreach (var extra in (Environment.GetEnvironmentVariable("CHART_TEST_SET") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                args = [.. args, "--set", extra];
            var install = await Tool.HelmAsync(ct, args);
            installed = true;
            Assert.True(install.Ok, $"helm install failed: {install}\n{await kube.DiagnoseAsync()}");
            Assert.Contains("kubectl -n " + kube.Namespace + " get htagsessions", install.StdOut); // NOTES.txt

            Step("all pods Ready");
            var pods = await kube.ListAsync("pods", ct, $"app.kubernetes.io/instance={HelmChart.Release}");
            var components = pods.Select(p => (string?)p!["metadata"]!["labels"]!["app.kubernetes.io/component"] ?? "").Order().ToArray();
            Assert.Equal(["operator", "redis", "router", "router"], components);
            Assert.All(pods, p => Assert.True(Kube.PodReady(p!), $"{p!["metadata"]!["name"]} not Ready"));

            Step("helm upgrade keeps the generated Redis password (running Redis still has the old one)");
            const string passwordPath = "jsonpath={.data.redis-password}";
            var password = await kube.KubectlAsync(ct, "get", "secret", "htag-redis", "-o", passwordPath);
            var upgrade = await Tool.HelmAsync(ct, "upgrade", HelmChart.Release, Repo.Chart, "-n", kube.Namespace, "--reuse-values",
                "--set", "sessions.maxSessions=400", "--wait", "--timeout", "3m");
            Assert.True(upgrade.Ok, $"helm upgrade failed: {upgrade}\n{await kube.DiagnoseAsync()}");
            Assert.Equal(password, await kube.KubectlAsync(ct, "get", "secret", "htag-redis", "-o", passwordPath));
            Assert.Contains("--max-sessions=400", await kube.KubectlAsync(ct, "get", "deploy", "htag-router", "-o", "jsonpath={.spec.template.spec.containers[0].args}"));

            var ip = (await kube.KubectlAsync(ct, "get", "svc", "htag-router", "-o", "jsonpath={.spec.clusterIP}")).Trim();
            var router = new Uri($"http://{ip}:80/");
            Step($"two users through the router Service {router}");
            using var alice = new WebUser(router);
            using var bob = new WebUser(router);
            await Task.WhenAll(UseCounterAsync(alice, ct), UseCounterAsync(bob, ct));
            Assert.NotEqual(alice.Cookie, bob.Cookie);
            await using var active = new ActiveUsers(kube, [alice, bob], 2, ct); // stopped before the clicks below

            Step("two HTagSessions, Ready, each with its own Ready pod");
            await AssertSessionsAsync(kube, [alice, bob], ct);

            Step("kubectl get htagsessions shows both Ready with the printer columns");
            var table = (await kube.KubectlAsync(ct, "get", "htagsessions")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            output.WriteLine(string.Join("\n", table));
            Assert.Equal(["NAME", "USER", "PERSON", "PHASE", "POD", "IP", "IMAGE", "IDLE", "AGE"], table[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            foreach (var session in await kube.ListAsync("htagsessions", ct))
            {
                var name = (string)session!["metadata"]!["name"]!;
                var row = table.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal("Ready", row[2]); // PERSON is blank for anonymous users, so the split skips it
                Assert.StartsWith(row[1], (string)session["spec"]!["userKey"]!);
            }

            Step($"the userpod NetworkPolicy selects the real userpods");
            var policy = JsonNode.Parse(await kube.KubectlAsync(ct, "get", "networkpolicy", "htag-userpods", "-o", "json"))!;
            var sessionPods = await kube.ListAsync("pods", ct, "htagkube.io/session");
            Assert.Equal(2, sessionPods.Count);
            // Session pods and the warm pool's unclaimed pods alike (warmPool.size defaults to 2).
            var warmPods = await kube.ListAsync("pods", ct, "htagkube.io/warm=true");
            Assert.NotEmpty(warmPods);
            var selector = policy["spec"]!["podSelector"]!["matchLabels"]!.AsObject();
            Assert.NotEmpty(selector);
            foreach (var p in sessionPods.Concat(warmPods))
                foreach (var (k, v) in selector)
                    Assert.Equal((string?)v, (string?)p!["metadata"]!["labels"]![k]);
            var routerLabels = pods.First(p => (string?)p!["metadata"]!["labels"]!["app.kubernetes.io/component"] == "router")!["metadata"]!["labels"]!;
            foreach (var (k, v) in policy["spec"]!["ingress"]![0]!["from"]![0]!["podSelector"]!["matchLabels"]!.AsObject())
                Assert.Equal((string?)v, (string?)routerLabels[k]);

            Step("both session pods force-deleted: each user comes back to their own count (durable state, #25)");
            var killed = (await kube.ListAsync("pods", ct, "htagkube.io/session")).Select(p => (string)p!["metadata"]!["uid"]!).ToHashSet();
            await kube.KubectlAsync(ct, "delete", "pod", "-l", "htagkube.io/session", "--grace-period=0", "--force", "--wait=false");
            // A force-deleted pod's container may still answer for a moment: the users come back once both sessions serve
            // from new pods.
            await Eventually.True(async () =>
            {
                active.ThrowIfFailed();
                var serving = await kube.ListAsync("pods", ct, "htagkube.io/session");
                var sessions = await kube.ListAsync("htagsessions", ct);
                var ips = serving.Select(p => (string?)p!["status"]?["podIP"]).ToHashSet();
                return serving.Count == 2 && serving.All(p => !killed.Contains((string)p!["metadata"]!["uid"]!) && Kube.PodReady(p!))
                    && sessions.Count == 2
                    && sessions.All(x => (string?)x!["status"]?["phase"] == "Ready" && ips.Contains((string?)x["status"]?["podIP"]));
            }, TimeSpan.FromSeconds(120), "both sessions Ready on new pods", ct, kube.DiagnoseAsync);
            await active.DisposeAsync();
            foreach (var user in new[] { alice, bob })
            {
                await ExpectCountAsync(kube, 2, user.OpenAsync(PodStart, ct));
                await ExpectCountAsync(kube, 3, user.ClickAsync(ct));
            }
            Assert.Equal(2, (await kube.ListAsync("pods", ct, "htagkube.io/session")).Count);

            Step("helm upgrade to a re-tagged userpod image: warm pods replaced, each user moved once idle, keeping their count");
            const string nextTag = "0.1.0-next";
            var docker = Tool.Find("docker");
            Assert.True((await Tool.RunAsync(docker, ["tag", "htagkube/userpod:0.1.0", "htagkube/userpod:" + nextTag], ct)).Ok, "docker tag");
            await using (new ActiveUsers(kube, [alice, bob], 3, ct))
            {
                var toNext = await Tool.HelmAsync(ct, "upgrade", HelmChart.Release, Repo.Chart, "-n", kube.Namespace, "--reuse-values",
                    "--set", "userpod.image.tag=" + nextTag, "--set", "sessions.upgradeIdleSeconds=3", "--wait", "--timeout", "3m");
                Assert.True(toNext.Ok, $"helm upgrade failed: {toNext}\n{await kube.DiagnoseAsync()}");
            }
            await Eventually.True(async () =>
            {
                var sessions = await kube.ListAsync("htagsessions", ct);
                var warm = (await kube.ListAsync("pods", ct, "htagkube.io/warm=true"))
                    .Where(p => p!["metadata"]!["ownerReferences"] is null).ToList();
                return sessions.Count == 2
                    && sessions.All(x => (string?)x!["status"]?["phase"] == "Ready" && ((string?)x["status"]?["image"] ?? "").EndsWith(":" + nextTag, StringComparison.Ordinal))
                    && warm.Count > 0 && warm.All(p => ((string?)p!["spec"]!["containers"]![0]!["image"] ?? "").EndsWith(":" + nextTag, StringComparison.Ordinal));
            }, TimeSpan.FromSeconds(120), "both sessions Ready on the new image, every warm pod on it", ct, kube.DiagnoseAsync);
            var moved = await kube.KubectlAsync(ct, "get", "htagsessions");
            output.WriteLine(moved);
            Assert.Equal(2, moved.Split('\n').Count(l => l.Contains("htagkube/userpod:" + nextTag, StringComparison.Ordinal)));
            foreach (var user in new[] { alice, bob })
            {
                await ExpectCountAsync(kube, 3, user.OpenAsync(PodStart, ct));
                await ExpectCountAsync(kube, 4, user.ClickAsync(ct));
            }

            Step($"idle TTL ({IdleSeconds}s) removes both sessions and their pods");
            await Eventually.True(async () =>
                    (await kube.ListAsync("htagsessions", ct)).Count == 0 && (await kube.ListAsync("pods", ct, "htagkube.io/session")).Count == 0,
                TimeSpan.FromSeconds(IdleSeconds + 90), "sessions and userpods gone after the idle timeout", ct, kube.DiagnoseAsync);

            Step("a third user, then helm uninstall");
            using var carol = new WebUser(router);
            await UseCounterAsync(carol, ct);
            var uninstall = await Tool.HelmAsync(ct, "uninstall", HelmChart.Release, "-n", kube.Namespace, "--wait", "--timeout", "3m");
            installed = !uninstall.Ok;
            Assert.True(uninstall.Ok, $"helm uninstall failed: {uninstall}\n{await kube.DiagnoseAsync()}");

            Step("nothing left: no pod, no session, no Secret but the namespace's default token");
            await Eventually.True(async () =>
            {
                var left = await LeftoversAsync(kube, ct);
                return left.Count == 0;
            }, TimeSpan.FromSeconds(90), "no HTagKube pod, Secret or session left", ct,
               async () => string.Join(", ", await LeftoversAsync(kube, ct)));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or HttpRequestException
                                      or System.Net.WebSockets.WebSocketException)
        {
            // Which step, when, and the cluster's state then: a bare "A task was canceled." (stop 33) told nothing.
            Assert.Fail($"[{DateTime.UtcNow:HH:mm:ss}] during \"{_step}\": {e.GetType().Name}: {e.Message}\n"
                        + $"{await kube.DiagnoseAsync()}\n{e}");
        }
        finally
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            if (installed) await Tool.HelmAsync(cleanup.Token, "uninstall", HelmChart.Release, "-n", kube.Namespace, "--wait", "--timeout", "2m");
            await Tool.KubectlAsync(cleanup.Token, "delete", "namespace", kube.Namespace, "--wait=false");
        }
    }

    /// <summary>
    /// The users keep using the app while the cluster changes under them, as people with the page open would: a page load
    /// each every few seconds, each showing <c>count</c> (loads touch the route without changing the count). Their
    /// sessions' idle TTL is only 30 s, and a loaded CI machine can spend that on a few kubectl calls between two steps.
    /// </summary>
    sealed class ActiveUsers : IAsyncDisposable
    {
        readonly CancellationTokenSource _stop;
        readonly Task _loop;

        public ActiveUsers(Kube kube, WebUser[] users, int count, CancellationToken ct)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var stop = _stop.Token;
            _loop = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (var user in users) await ExpectCountAsync(kube, count, user.OpenAsync(PodStart, stop));
                    await Task.Delay(TimeSpan.FromSeconds(4), stop); // a user's pace, not a synchronisation
                }
            }, stop);
        }

        /// <summary>A user saw something wrong: fail now rather than at the end of the step.</summary>
        public void ThrowIfFailed()
        {
            if (_loop.IsFaulted) _loop.GetAwaiter().GetResult();
        }

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested && _loop.IsCompleted) return;
            await _stop.CancelAsync();
            try { await _loop; }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        }
    }

    string _step = "";

    void Step(string what)
    {
        var at = DateTime.UtcNow;
        _step = $"{what} (from {at:HH:mm:ss})";
        output.WriteLine($"[{at:HH:mm:ss}] {what}");
    }

    /// <summary>A user's count as expected, else a failure with the cluster's state: a count lost is a user's state lost
    /// (#25), and its cause is in the routers' and userpods' logs (stop 30 saw 0 for 3 and no more).</summary>
    static async Task ExpectCountAsync(Kube kube, int expected, Task<int> count)
    {
        var actual = await count;
        if (actual != expected) Assert.Fail($"the user's count is {actual}, expected {expected}\n{await kube.DiagnoseAsync()}");
    }

    async Task UseCounterAsync(WebUser user, CancellationToken ct)
    {
        var start = DateTime.UtcNow;
        Assert.Equal(0, await user.OpenAsync(PodStart, ct));
        output.WriteLine($"  a user: page after {(DateTime.UtcNow - start).TotalSeconds:0.0}s");
        Assert.Equal(1, await user.ClickAsync(ct));
        Assert.Equal(2, await user.ClickAsync(ct));
    }

    // One HTagSession per user, each Ready with a pod of its own; the cookie (the sealed uid, a bearer secret) never in a
    // resource. The cookie is opaque to a client, so users and sessions are matched by count and distinctness.
    static async Task AssertSessionsAsync(Kube kube, WebUser[] users, CancellationToken ct)
    {
        var sessions = await kube.ListAsync("htagsessions", ct);
        Assert.Equal(users.Length, sessions.Count);
        var podNames = new HashSet<string>();
        var userKeys = new HashSet<string>();
        foreach (var s in sessions)
        {
            var name = (string)s!["metadata"]!["name"]!;
            var userKey = (string)s["spec"]!["userKey"]!;
            Assert.True(userKeys.Add(userKey), "one session per user");
            Assert.Equal("hs-" + userKey[..20], name);
            Assert.Equal("Ready", (string?)s["status"]!["phase"]);
            var podName = (string)s["status"]!["podName"]!;
            Assert.True(podNames.Add(podName), "one pod per session");
            var pod = JsonNode.Parse(await kube.KubectlAsync(ct, "get", "pod", podName, "-o", "json"))!;
            Assert.True(Kube.PodReady(pod), podName + " Ready");
            Assert.Equal(name, (string?)pod["metadata"]!["labels"]!["htagkube.io/session"]);
            Assert.Equal((string?)s["status"]!["podIP"], (string?)pod["status"]!["podIP"]);
            foreach (var user in users) Assert.DoesNotContain(user.Cookie!, Kube.Json(s) + Kube.Json(pod));
        }
    }

    /// <summary>What a release may not leave behind: pods, sessions, and Secrets other than ServiceAccount tokens of "default".</summary>
    static async Task<List<string>> LeftoversAsync(Kube kube, CancellationToken ct)
    {
        var left = new List<string>();
        foreach (var p in await kube.ListAsync("pods", ct)) left.Add("pod/" + p!["metadata"]!["name"]);
        foreach (var s in await kube.ListAsync("htagsessions", ct)) left.Add("htagsession/" + s!["metadata"]!["name"]);
        foreach (var s in await kube.ListAsync("secrets", ct))
        {
            var isDefaultToken = (string?)s!["type"] == "kubernetes.io/service-account-token" &&
                                 (string?)s["metadata"]!["annotations"]?["kubernetes.io/service-account.name"] == "default";
            if (!isDefaultToken) left.Add("secret/" + s["metadata"]!["name"]);
        }
        foreach (var l in await kube.ListAsync("leases.coordination.k8s.io", ct)) left.Add("lease/" + l!["metadata"]!["name"]);
        return left;
    }
}
