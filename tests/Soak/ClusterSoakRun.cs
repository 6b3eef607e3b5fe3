using System.Diagnostics;
using System.Globalization;
using System.Text;
using HTagKube.Api.V1Alpha1;
using HTagKube.Bench;
using HTagKube.CrdGen;
using HTagKube.Routing;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Soak;

/// <summary>
/// The cluster soak (<c>--cluster</c>): the real operator and the router in Kubernetes mode (both as processes on this
/// machine, as in the operator's end-to-end tests) against the test cluster ($KUBECONFIG) in a namespace of their own,
/// routes in a loopback redis-server, every user a pod. Simulated users as in the local soak; then every session must
/// expire and no session pod, Secret, HTagSession or route key may stay. Writes docs/soak-cluster.md.
/// </summary>
sealed class ClusterSoakRun(SoakOptions o)
{
    const string Config = SoakRun.Config;
    const int WarmPool = 2;
    const string SessionLabel = "htagkube.io/session";
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(90);

    /// <summary>One reading; <c>OperatorHeapBytes</c>, <c>RouterHeapBytes</c>: the managed heaps after a full GC (ManagedHeap.cs), on
    /// samples that asked for them.</summary>
    sealed record Sample(TimeSpan At, long OperatorRssKb, long RouterRssKb, int LiveSessions, int Listed, int RouteKeys,
        int HTagSessions, int Ready, int SessionPods, int SessionSecrets, int WarmPods, long? OperatorHeapBytes = null, long? RouterHeapBytes = null,
        RssParts? OperatorParts = null, RssParts? RouterParts = null);
    /// <summary>Every this many samples (10 s apart) the heaps are also read after a full GC: about once a minute.</summary>
    const int HeapEvery = 6;

    readonly ErrorTally _errors = new();
    readonly SoakCounters _counters = new();
    readonly List<Sample> _samples = [];

    public async Task<int> RunAsync()
    {
        var root = SoakRun.FindRoot();
        string Dll(string project, string name) => Path.Combine(root, project, "bin", Config, "net10.0", name);
        var (routerDll, operatorDll) = (Dll("router", "HTagKube.Router.dll"), Dll("operator/HTagKube.Operator", "HTagKube.Operator.dll"));
        if (!File.Exists(routerDll) || !File.Exists(operatorDll)) { Console.Error.WriteLine($"build with `dotnet build tests/Soak -c {Config}` first"); return 2; }
        if (Environment.GetEnvironmentVariable("KUBECONFIG") is null) { Console.Error.WriteLine("KUBECONFIG is not set: eval \"$(../shared/kube/up | grep '^export')\""); return 2; }
        var image = Environment.GetEnvironmentVariable("HTAGKUBE_USERPOD_IMAGE") ?? "htagkube/userpod:0.1.0";
        using var kube = new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig());
        var ns = "htk-soak-" + Guid.NewGuid().ToString("N")[..8];
        var started = DateTimeOffset.UtcNow;
        var loadAtStart = File.ReadAllText("/proc/loadavg").Trim();
        SoakRun.Log($"cluster soak: {o.Users} users, {o.Minutes} min, idle timeout {o.IdleTimeout.TotalSeconds} s, namespace {ns}, image {image}, seed {o.Seed}");
        await EnsureCrdAsync(kube);
        await kube.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        var failures = new List<string>();
        Sample? endOfLoad = null, afterIdle = null;
        var expiry = TimeSpan.Zero;
        string routerProblems = "", operatorProblems = "";
        try
        {
            await using var redis = await RedisProcess.StartAsync();
            var redisConfig = $"127.0.0.1:{redis.Port}";
            await using var routes = await RedisRouteTable.ConnectAsync(redisConfig);
            var quiet = new Dictionary<string, string>
            {
                ["Logging__LogLevel__Default"] = "Warning", ["HTAGKUBE_NAMESPACE"] = ns,
                ["Logging__Console__FormatterName"] = "simple", ["Logging__Console__FormatterOptions__SingleLine"] = "true", // one line per problem in the report
            };
            await using var op = await ServerProgram.StartAsync(operatorDll,
                ["--namespace", ns, "--redis", redisConfig, "--image", image, "--warm-pool", WarmPool.ToString(CultureInfo.InvariantCulture)], env: quiet);
            await using var router = await ServerProgram.StartAsync(routerDll,
                ["--kubernetes", "--redis", redisConfig, .. o.RouterLifetimeArgs, "--sessions-per-ip-per-minute", "100000"], env: quiet);
            using var http = new HttpClient { BaseAddress = router.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            var clock = Stopwatch.StartNew();
            async Task<Sample> SampleAsync(bool keep = true, bool heap = false)
            {
                var (opRss, routerRss) = (ProcFs.Rollup(op.Pid)?.RssKb ?? 0, ProcFs.Rollup(router.Pid)?.RssKb ?? 0); // before any induced GC
                var (opParts, routerParts) = (RssParts.Read(op.Pid), RssParts.Read(router.Pid));
                var metrics = await http.GetStringAsync("metrics");
                var listed = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("_htagkube/sessions")).RootElement.GetArrayLength();
                var keys = 0;
                await foreach (var _ in routes.ListAsync(CancellationToken.None)) keys++;
                var sessions = (await kube.ListSessionsAsync(ns, null, CancellationToken.None)).Items;
                var pods = (await kube.CoreV1.ListNamespacedPodAsync(ns)).Items;
                var secrets = (await kube.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: SessionLabel)).Items;
                var s = new Sample(clock.Elapsed, opRss, routerRss,
                    (int)RouterProbe.Value(metrics, "htagkube_live_sessions"), listed, keys, sessions.Count,
                    sessions.Count(x => x.Status?.Phase == SessionPhase.Ready),
                    pods.Count(p => p.Metadata.Labels?.ContainsKey(SessionLabel) == true),
                    secrets.Count, pods.Count(p => p.Metadata.Labels is { } l && l.TryGetValue("htagkube.io/warm", out var w) && w == "true"),
                    heap ? (await ManagedHeap.ReadAsync(op.Pid, CancellationToken.None))?.Total : null,
                    heap ? (await ManagedHeap.ReadAsync(router.Pid, CancellationToken.None))?.Total : null, opParts, routerParts);
                if (keep) _samples.Add(s);
                return s;
            }
            await Eventually.True(async () => (await SampleAsync(keep: false)).WarmPods == WarmPool, TimeSpan.FromMinutes(3), "the warm pool filled");
            await SampleAsync(heap: true);
            var rng = new Random(o.Seed);
            var endAt = DateTime.UtcNow + o.Duration;
            using var hardStop = new CancellationTokenSource(o.Duration + TimeSpan.FromMinutes(3));
            var all = Task.WhenAll(Enumerable.Range(0, o.Users).Select(i =>
                new SimulatedUser(i, router.BaseAddress, o, new Random(rng.Next()), _errors, _counters).RunAsync(o.Duration * 0.6 * rng.NextDouble(), endAt, hardStop.Token)));
            while (!all.IsCompleted)
            {
                await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10)));
                var s = await SampleAsync(heap: all.IsCompleted || _samples.Count % HeapEvery == 0);
                SoakRun.Log($"{s.At:mm\\:ss} users {_counters.Arrived}/{o.Users} visits {_counters.Visits} clicks {_counters.Clicks} live {s.LiveSessions} listed {s.Listed} route keys {s.RouteKeys} "
                    + $"HTagSessions {s.HTagSessions} (Ready {s.Ready}) pods {s.SessionPods}+{s.WarmPods} warm, operator RSS {s.OperatorRssKb / 1024} MB, router RSS {s.RouterRssKb / 1024} MB, errors {_errors.Unexpected}");
            }
            try { await all; } catch (OperationCanceledException) { _errors.Add("user phase past its bound", expected: false); }
            endOfLoad = _samples[^1];

            var wait = Stopwatch.StartNew();
            try
            {
                await Eventually.True(async () => await SampleAsync(keep: false) is { LiveSessions: 0, Listed: 0, RouteKeys: 0, HTagSessions: 0, SessionPods: 0, SessionSecrets: 0 },
                    o.IdleTimeout + Grace, "every session expired and its pod, Secret and route went");
            }
            catch (TimeoutException e) { failures.Add(e.Message); }
            expiry = wait.Elapsed;
            afterIdle = await SampleAsync(heap: true);
            if (afterIdle.WarmPods > WarmPool) failures.Add($"{afterIdle.WarmPods} warm pods for a pool of {WarmPool}");
            var errors = RouterErrors(await http.GetStringAsync("metrics"));
            foreach (var (name, value) in errors) if (value > 0) _errors.Add($"router {name}", expected: false, $"{value}");
            await router.StopAsync(TimeSpan.FromSeconds(30));
            await op.StopAsync(TimeSpan.FromSeconds(30));
            routerProblems = Problems(router.Lines);
            operatorProblems = Problems(op.Lines);
        }
        finally
        {
            try { await kube.CoreV1.DeleteNamespaceAsync(ns, new V1DeleteOptions { PropagationPolicy = "Background" }); }
            catch (HttpOperationException e) { Console.Error.WriteLine($"namespace {ns} not deleted: {e.Message}"); }
        }
        foreach (var (kind, expected, count) in _errors.Counts)
            if (!expected) failures.Add($"{count} × unexpected error: {kind}");
        var outFile = o.Out ?? Path.Combine(root, "docs", "soak-cluster.md");
        await File.WriteAllTextAsync(outFile, Markdown(started, loadAtStart, image, SoakRun.Git(root, "rev-parse --short HEAD"), failures, endOfLoad, afterIdle, expiry, routerProblems, operatorProblems));
        SoakRun.Log($"report: {outFile}");
        foreach (var f in failures) Console.Error.WriteLine("FAIL: " + f);
        foreach (var ex in _errors.Examples) Console.Error.WriteLine("  e.g. " + ex);
        SoakRun.Log(failures.Count == 0 ? "soak passed" : $"soak FAILED ({failures.Count})");
        return failures.Count == 0 ? 0 : 1;
    }

    static async Task EnsureCrdAsync(Kubernetes kube)
    {
        var crd = KubernetesJson.Deserialize<V1CustomResourceDefinition>(CrdGenerator.HTagSessionCrd().ToJsonString());
        try { await kube.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd); }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict) { return; } // installed (by the chart or the tests)
        await Eventually.True(async () =>
        {
            try { await kube.ListSessionsAsync("default", null, CancellationToken.None, limit: 1); return true; }
            catch (HttpOperationException) { return false; }
        }, TimeSpan.FromSeconds(60), "htagsessions served");
    }

    static List<(string, double)> RouterErrors(string metrics) =>
    [
        ("dead_routes_total", RouterProbe.Value(metrics, "htagkube_dead_routes_total")),
        ("upstream_errors_total", RouterProbe.Value(metrics, "htagkube_upstream_errors_total")),
        ("route_table_errors_total", RouterProbe.Value(metrics, "htagkube_route_table_errors_total")),
        ("sessions_rejected_total", RouterProbe.Value(metrics, "htagkube_sessions_rejected_total")),
        ("proxied_requests_total{code=5xx}", RouterProbe.Value(metrics, "htagkube_proxied_requests_total", "code=\"5")),
    ];

    static string Problems(IEnumerable<string> lines)
    {
        var bad = lines.Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal))
            .GroupBy(l => l).Select(g => $"- {g.Count()} × `{g.Key}`").ToList();
        return bad.Count == 0 ? "none" : "\n" + string.Join('\n', bad.Take(20));
    }

    string Markdown(DateTimeOffset started, string loadAtStart, string image, string commit, List<string> failures, Sample? endOfLoad, Sample? idle,
        TimeSpan expiry, string routerProblems, string operatorProblems)
    {
        var sb = new StringBuilder();
        void L(string s = "") => sb.Append(s).Append('\n');
        static string Mb(long kb) => Trend.MbFromKb(kb);
        L("# Soak (cluster)");
        L();
        L($"Written by `{o.Command}` (tests/Soak, with `$KUBECONFIG` and `$DOCKER_HOST` from `../shared/kube/up` and the images from "
          + "`make images`): the real operator and the router in Kubernetes mode as processes on this machine against the test "
          + $"cluster (Kubernetes 1.20), in a namespace of their own; routes in a real redis-server on loopback; userpod image `{image}`, warm pool "
          + $"{WarmPool}, idle timeout {o.IdleTimeout.TotalSeconds:0} s. {o.Users} simulated users for {o.Minutes:0.#} min, each user a pod; "
          + "the users' choices are the local soak's (docs/soak.md). Afterwards every session must expire, and its pod, Secret, HTagSession and route go.");
        L();
        SoakReport.Head(sb, failures, started, DateTimeOffset.UtcNow, commit);
        L($"| Machine | {Environment.ProcessorCount} cores; load average at start {string.Join(", ", loadAtStart.Split(' ').Take(3))} |");
        L($"| Seed | {o.Seed} |");
        L($"| Users arrived / visits / clicks checked | {_counters.Arrived} / {_counters.Visits} / {_counters.Clicks} |");
        L($"| Returns within the idle timeout / after expiry / after the state's retention / left | {_counters.ReturnsWithin} / "
          + $"{_counters.ReturnsAfterExpiry} / {_counters.ReturnsForgotten} / {_counters.Left} |");
        L($"| Page load (a new user: HTagSession → pod or warm pod → route) | {_counters.PagePercentiles} |");
        L($"| Click → update | {_counters.ClickPercentiles} |");
        L();
        L("## Counts");
        L();
        L("| | live sessions (router) | listed | route keys | HTagSessions (Ready) | session pods | session Secrets | warm pods |");
        L("|---|---|---|---|---|---|---|---|");
        void Row(string name, Sample? s) { if (s is not null) L($"| {name} | {s.LiveSessions} | {s.Listed} | {s.RouteKeys} | {s.HTagSessions} ({s.Ready}) | {s.SessionPods} | {s.SessionSecrets} | {s.WarmPods} |"); }
        Row("End of load", endOfLoad);
        Row($"After the users left ({expiry.TotalSeconds:0} s to expire)", idle);
        L();
        L("Session pods and Secrets carry `htagkube.io/session` (a claimed warm pod too; pods still terminating count); warm pods are `htagkube.io/warm=true` "
          + "spares, not sessions. Route keys are counted in Redis; HTagSessions, pods and Secrets through the API.");
        L();
        L("## Errors");
        L();
        sb.Append(_errors.Markdown());
        L();
        L($"Router log lines at warn/fail/crit: {routerProblems}");
        L();
        L($"Operator log lines at warn/fail/crit: {operatorProblems}");
        L();
        L("## Memory (RSS, and the managed heap after a full GC)");
        L();
        if (_samples.Count > 0)
        {
            var first = _samples[0];
            L("| When | Operator RSS MB | anon / file / shmem | Operator heap MB | Router RSS MB | anon / file / shmem | Router heap MB | HTagSessions |");
            L("|---|---|---|---|---|---|---|---|");
            static string Parts(RssParts? p) => p is null ? "" : $"{Mb(p.AnonKb)} / {Mb(p.FileKb)} / {Mb(p.ShmemKb)}";
            void MemRow(string name, Sample x) => L($"| {name} | {Mb(x.OperatorRssKb)} | {Parts(x.OperatorParts)} | {Trend.MbFromBytes(x.OperatorHeapBytes)} | {Mb(x.RouterRssKb)} | {Parts(x.RouterParts)} | {Trend.MbFromBytes(x.RouterHeapBytes)} | {x.HTagSessions} |");
            MemRow("Start (warm pool full, no user)", first);
            L($"| Peak | {Mb(_samples.Max(s => s.OperatorRssKb))} | | {Trend.MbFromBytes(_samples.Max(s => s.OperatorHeapBytes))} | {Mb(_samples.Max(s => s.RouterRssKb))} | | {Trend.MbFromBytes(_samples.Max(s => s.RouterHeapBytes))} | {_samples.Max(s => s.HTagSessions)} |");
            if (endOfLoad is not null) MemRow("End of load", endOfLoad);
            if (idle is not null) MemRow("Every session expired", idle);
            L();
            var op = _samples.Where(s => s.OperatorHeapBytes is not null).ToList();
            var rt = _samples.Where(s => s.RouterHeapBytes is not null).ToList();
            L(Trend.HeapVerdict("Operator", [.. op.Select(s => (s.At, s.OperatorHeapBytes!.Value))], [.. op.Select(s => (s.At, s.OperatorRssKb))]));
            L();
            L(Trend.HeapVerdict("Router", [.. rt.Select(s => (s.At, s.RouterHeapBytes!.Value))], [.. rt.Select(s => (s.At, s.RouterRssKb))])
              + " Heaps are read over each process's diagnostics port about once a minute (ManagedHeap.cs: an EventPipe session that induces a full blocking GC). "
              + RssParts.Legend);
            L();
            L("<details><summary>Samples (10 s apart during the load)</summary>");
            L();
            L("| t | operator RSS MB | heap MB | router RSS MB | heap MB | live | listed | route keys | HTagSessions (Ready) | session pods | Secrets | warm |");
            L("|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var s in _samples)
                L($"| {s.At:mm\\:ss} | {Mb(s.OperatorRssKb)} | {Trend.MbFromBytes(s.OperatorHeapBytes)} | {Mb(s.RouterRssKb)} | {Trend.MbFromBytes(s.RouterHeapBytes)} | {s.LiveSessions} | {s.Listed} | {s.RouteKeys} | {s.HTagSessions} ({s.Ready}) | {s.SessionPods} | {s.SessionSecrets} | {s.WarmPods} |");
            L();
            L("</details>");
        }
        return sb.ToString();
    }
}
