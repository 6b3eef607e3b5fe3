using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using k8s;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// <c>make bench ARGS=--cluster</c>: the test cluster ($KUBECONFIG) under a rush, measured from outside as browsers
/// would: the node's own limit (raw pods, no operator), then the chart (helm install, a namespace of its own per
/// scenario) with open-loop arrivals and a rush, then what an idle userpod costs. One run, one section of
/// docs/benchmarks.md ("On Kubernetes"); a partial run (<c>--only</c>) writes to artifacts/bench/out/.
/// </summary>
sealed partial class ClusterBench(BenchOptions o)
{
    public const string SessionGroup = "htagkube.io", SessionVersion = "v1alpha1", SessionPlural = "htagsessions";
    readonly string _root = FindRoot();
    readonly ClusterReport _report = new();

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HTagKube.sln"))) return d.FullName;
        throw new InvalidOperationException("HTagKube.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// One chart configuration: <paramref name="Sets"/> made at install time (a schedule starts "now"),
    /// <paramref name="Ready"/> warm pods awaited before the users come, the scenarios it runs.
    /// </summary>
    sealed record Variant(string Name, Func<string[]> Sets, int Ready, string[] Scenarios);

    public async Task<int> RunAsync()
    {
        var tag = o.ImageTag ?? AppVersion();
        var image = $"htagkube/userpod:{tag}";
        _report.Command = o.ClusterCommand();
        _report.Commit = Git("rev-parse --short HEAD") + (Git("status --porcelain -- operator router userpod charts").Length > 0 ? " (+ uncommitted changes)" : "");
        _report.Machine = $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB";
        _report.LoadAverageAtStart = File.ReadAllText("/proc/loadavg").Trim();
        _report.StartedUtc = Utc();
        _report.Images = $"htagkube/{{router,operator,userpod}}:{tag}";
        var images = ImageSets(tag).ToArray();
        List<Variant> variants =
        [
            // The chart's default before warmPool.min/max: a fixed pool of 2, for comparison.
            new("fixed pool of 2 (warmPool.size=2)", () => [.. images, "warmPool.size=2"], 2, ["arrivals", "rush"]),
            new("default chart (adaptive pool 2..20)", () => images, 2, ["arrivals", "rush"]),
            // A schedule covering the rush: 40 pods from the minute before the install, for 30 minutes.
            new("schedule covering the rush (40 pods)",
                () => [.. images, $"warmPool.schedule={{* {DateTime.UtcNow.AddMinutes(-1):HH:mm} 40 30m}}"], 40, ["rush"]),
        ];
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(40));
        var ct = cts.Token;
        var clock = Stopwatch.StartNew();
        var needsCluster = o.Runs("raw") || o.Runs("arrivals") || o.Runs("rush") || o.Runs("idle-pods");
        Kubernetes? kube = null;
        if (needsCluster)
        {
            if (Environment.GetEnvironmentVariable("KUBECONFIG") is null) { Console.Error.WriteLine("KUBECONFIG is not set: source the cluster's env (../shared/kube/up)"); return 2; }
            kube = new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig());
            _report.Cluster = "Kubernetes " + (await kube.Version.GetCodeAsync(ct)).GitVersion;
        }
        try
        {
            if (o.Runs("raw")) await Phase("raw", () => RawAsync(kube!, image, ct));
            foreach (var v in variants.Where(v => o.Variants.Count == 0 || o.Variants.Any(t => v.Name.Contains(t, StringComparison.Ordinal))))
            {
                if (o.Runs("arrivals") && v.Scenarios.Contains("arrivals"))
                    await Phase("arrivals", () => WaveAsync(kube!, v, $"{o.ArrivalUsers} users arriving {o.ArrivalsPerSecond:0.#}/s",
                        [.. Enumerable.Range(0, o.ArrivalUsers).Select(i => i / o.ArrivalsPerSecond)], ct));
                if (o.Runs("rush") && v.Scenarios.Contains("rush"))
                    await Phase("rush", () => WaveAsync(kube!, v, $"{o.RushUsers} users within {o.RushWindow.TotalSeconds:0.#} s",
                        [.. Enumerable.Range(0, o.RushUsers).Select(i => i * o.RushWindow.TotalSeconds / o.RushUsers)], ct));
            }
            if (o.Runs("idle-pods"))
                await Phase("idle-pods", async () => Report(await IdlePods.RunAsync(kube!, _root, images, o.IdlePods, o.IdleWindow, ct)));
            if (o.Runs("idle")) await Phase("idle", () => IdleAsync(ct));
        }
        finally { kube?.Dispose(); }
        _report.FinishedUtc = Utc();
        var full = o.Only.Count == 0 && o.Variants.Count == 0;
        var outDir = o.OutDir ?? (full ? Path.Combine(_root, "docs") : Path.Combine(_root, "artifacts", "bench", "out"));
        Directory.CreateDirectory(outDir);
        var section = _report.Markdown(o);
        if (full && o.OutDir is null)
        {
            var doc = Path.Combine(outDir, "benchmarks.md");
            File.WriteAllText(doc, DocSection.Cluster.Splice(File.Exists(doc) ? File.ReadAllText(doc) : "# Benchmarks\n", section));
        }
        else File.WriteAllText(Path.Combine(outDir, "benchmarks-cluster.md"), section);
        _report.WriteJson(Path.Combine(outDir, "benchmarks-cluster.json"));
        Console.WriteLine($"wrote the cluster section to {outDir} in {clock.Elapsed.TotalSeconds:0} s; errors: {_report.Errors.Count}");
        return _report.Errors.Count == 0 ? 0 : 1;

        async Task Phase(string name, Func<Task> run)
        {
            Console.WriteLine($"== {name} ({clock.Elapsed.TotalSeconds:0} s)");
            try { await run(); }
            catch (Exception e)
            {
                _report.Errors.Add($"{name}: {e.GetType().Name}: {e.Message}");
                Console.Error.WriteLine($"phase {name} failed: {e}");
            }
        }
    }

    IEnumerable<string> ImageSets(string tag)
    {
        if (o.ImageTag is null) return o.HelmSets;
        return new[] { "router", "operator", "userpod" }.Select(p => $"{p}.image.tag={tag}").Concat(o.HelmSets);
    }

    async Task RawAsync(Kubernetes kube, string image, CancellationToken ct)
    {
        var ns = "htk-bench-raw-" + Guid.NewGuid().ToString("N")[..6];
        await kube.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = ns } }, cancellationToken: ct);
        try
        {
            // Pulls nothing (imagePullPolicy Never), but warms the node's image and layer caches like every later scenario finds them.
            await RawPods.RunAsync(kube, ns, image, 1, false, ct);
            foreach (var n in new[] { o.RawPods, o.RawPodsSmall })
            {
                var r = await RawPods.RunAsync(kube, ns, image, n, measureMemory: n == o.RawPods, ct);
                Console.WriteLine($"  {n} raw pods: all Ready {r.AllReadyMs:0} ms (median {r.MedianReadyMs:0}), {r.PodsPerSecond:0.0} pods/s");
                _report.Raw.Add(r);
            }
        }
        finally { await ChartInstall.DeleteNamespaceAsync(kube, ns, CancellationToken.None); }
    }

    async Task WaveAsync(Kubernetes kube, Variant v, string scenario, double[] offsets, CancellationToken ct)
    {
        await using var chart = await ChartInstall.InstallAsync(kube, _root, v.Sets(), v.Ready, ct);
        var r = await UserWave.RunAsync(kube, chart, scenario, offsets, ct);
        var s = new Sample(r.FirstPageMs);
        Console.WriteLine($"  {scenario}, {v.Name}: first page p50 {s.Median:0} ms p95 {s.P(95):0} ms; all pages after {r.AllPagesMs:0} ms; {r.StartingPages} starting pages; {r.WarmClaims} warm claims");
        _report.Waves.Add(new ClusterReport.WaveRow(v.Name, string.Join(' ', chart.Values.Select(ChartInstall.HelmFlag)), r));
        if (r.Failures.Count > 0)
        {
            // The operator's warnings say what happened to the pods meanwhile (the namespace is gone after the wave).
            var warnings = await chart.OperatorWarningsAsync(ct);
            _report.Errors.Add($"{scenario}, {v.Name}: {r.Failures.Count} of {r.Users} users failed: {string.Join("; ", r.Failures.Take(5))}"
                + $"; userpod restarts: {await chart.RestartedUserpodsAsync(ct)}"
                + (warnings.Length > 0 ? $"; the operator's warnings: {warnings}" : ""));
        }
    }

    async Task IdleAsync(CancellationToken ct)
    {
        if (o.AotUserpod is not { } exe || !File.Exists(exe))
            throw new InvalidOperationException($"no NativeAOT userpod ({o.AotUserpod ?? "--aot-userpod not given"}); `make bench` publishes it (make userpod-aot)");
        var pod = new Dictionary<string, string?>(IdleUserpods.PodEnv);
        foreach (var (k, v) in o.IdleEnv) pod[k] = v;
        var more = o.IdleEnv.Count == 0 ? "" : " + " + string.Join(' ', o.IdleEnv.Select(kv => $"{kv.Key}={kv.Value}"));
        var withIdle = new Dictionary<string, string?>(pod) { ["HTAG_IDLE_TIMEOUT"] = "1800" };
        var variants = o.IdleVariants.Count > 0 ? o.IdleVariants : ["pod", "idle-stop"];
        foreach (var v in variants)
        {
            Report(v switch
            {
                "pod" => await IdleUserpods.RunAsync(exe, "as in a pod",
                    "the image's environment (no idle timeout, no lifeline: the operator ends sessions)" + more, pod, o.IdleUserpods, o.IdleWindow, ct),
                "pod-no-ping" => await IdleUserpods.RunAsync(exe, "as in a pod, not pinged",
                    "the image's environment" + more + "; its WebSocket not pinged (the router pings it every 15 s)", pod, o.IdleUserpods, o.IdleWindow, ct,
                    routerPings: false),
                "pod-no-ws" => await IdleUserpods.RunAsync(exe, "as in a pod, no WebSocket",
                    "the image's environment" + more + "; the page loaded, no WebSocket opened", pod, o.IdleUserpods, o.IdleWindow, ct, webSocket: false),
                _ => await IdleUserpods.RunAsync(exe, "with its own idle stop",
                    "+ HTAG_IDLE_TIMEOUT=1800 (what the local-mode router passes)" + more, withIdle, o.IdleUserpods, o.IdleWindow, ct),
            });
        }
    }

    void Report(IdleUserpods.Result r)
    {
        Console.WriteLine($"  idle, {r.Variant}: {r.Userpods} userpods, CPU mean {r.CpuMsPerMinMean:0.00} ms/min"
            + $" (median {r.CpuMsPerMinMedian:0.00}, p95 {r.CpuMsPerMinP95:0.00}; ticks {r.TickCpuMsPerMinMean:0.0}), {r.WakeupsPerMinMean:0.0} wakeups/min,"
            + $" threads {r.ThreadsAtStart:0.#} → {r.ThreadsAtEnd:0.#} ({r.ThreadsEnded:0.##} ended), PSS {r.PssMb:0.0} MB, load {r.LoadAverage}");
        foreach (var t in r.ByThread)
            Console.WriteLine($"    {t.Name,-16} threads {t.Threads,5:0.##}  CPU {t.CpuMsPerMin,7:0.000} ms/min  wakeups {t.WakeupsPerMin,6:0.0}/min");
        _report.Idle.Add(r);
    }

    string AppVersion()
    {
        var chart = File.ReadAllText(Path.Combine(_root, "charts", "Chart.yaml"));
        return AppVersionRx().Match(chart) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("charts/Chart.yaml has no appVersion");
    }

    string Git(string args)
    {
        var psi = new ProcessStartInfo("git", args) { WorkingDirectory = _root, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var s = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return s;
    }

    static string Utc() => DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    [GeneratedRegex("(?m)^appVersion:\\s*\"?([^\"\\s]+)\"?")]
    private static partial Regex AppVersionRx();
}
