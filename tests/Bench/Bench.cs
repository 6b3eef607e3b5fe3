using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace HTagKube.Bench;

/// <summary>The bench run: locates the built programs, runs each phase within the deadline, writes the report.</summary>
sealed partial class Bench(BenchOptions o)
{
#if DEBUG
    const string Config = "Debug";
#else
    const string Config = "Release";
#endif
    readonly Report _report = new() { Mode = o.Quick ? "quick" : "full" };
    readonly string _root = FindRoot();
    string RouterDll => Path.Combine(_root, "router", "bin", Config, "net10.0", "HTagKube.Router.dll");
    string UserpodDir => Path.Combine(_root, "router", "bin", Config, "net10.0", "userpod");
    string UserpodDll => Path.Combine(UserpodDir, "HTagKube.Demo.dll");
    string BareDll => Path.Combine(_root, "tests", "Bench", "BareApp", "bin", Config, "net10.0", "HTagKube.Bench.BareApp.dll");
    string ProbeDll => Path.Combine(_root, "tests", "Bench", "Probe", "bin", Config, "net10.0", "HTagKube.Bench.Probe.dll");
    string WorkDir => Path.Combine(_root, "artifacts", "bench");
    const string App = "/counter";

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HTagKube.sln"))) return d.FullName;
        throw new InvalidOperationException("HTagKube.sln not found above " + AppContext.BaseDirectory);
    }

    public async Task<int> RunAsync()
    {
        foreach (var f in new[] { RouterDll, UserpodDll, BareDll, ProbeDll })
            if (!File.Exists(f)) { Console.Error.WriteLine($"missing {f}: build with `dotnet build tests/Bench -c {Config}`"); return 2; }
        Directory.CreateDirectory(WorkDir);
        _report.Machine = $"{Environment.ProcessorCount} cores, {Lscpu()}, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB";
        _report.LoadAverageAtStart = File.ReadAllText("/proc/loadavg").Trim();
        _report.Commit = Git("rev-parse --short HEAD") + (Git("status --porcelain -- userpod router").Length > 0 ? " (+ uncommitted changes in userpod/ or router/)" : "");
        Console.WriteLine($"bench ({_report.Mode}, {Config}) on {_report.Machine}; load {_report.LoadAverageAtStart}");

        using var cts = new CancellationTokenSource(o.Deadline);
        var ct = cts.Token;
        var sw = Stopwatch.StartNew();
        (string Name, Func<CancellationToken, Task> Run)[] phases =
        [
            ("cold", ColdAsync), ("burst", BurstAndRoundTripAsync), ("memory", MemoryAsync), ("lean", LeanAsync), ("aot", AotAsync), ("scaling", ScalingAsync),
        ];
        if (o.R2R && (o.Runs("lean") || o.Runs("burst")))
        {
            try { _r2rReady = await PublishR2RAsync(ct); }
            catch (Exception e) when (e is not OperationCanceledException) { _report.Errors.Add("ReadyToRun publish: " + e.Message); }
        }
        foreach (var (name, run) in phases)
        {
            // burst and rtt share their processes (the 20 users of the burst then click).
            if (name == "burst" ? !(o.Runs("burst") || o.Runs("rtt")) : !o.Runs(name)) continue;
            if (name == "scaling" && !o.Only.Contains("scaling")) continue; // diagnostic: only when asked
            Console.WriteLine($"== {name} ({sw.Elapsed.TotalSeconds:0} s)");
            try { await run(ct); }
            catch (Exception e)
            {
                _report.Errors.Add($"{name}: {e.GetType().Name}: {e.Message}");
                Console.Error.WriteLine($"phase {name} failed: {e}");
                await KillStrayAsync();
            }
        }
        _report.FinishedUtc = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        // Only a run of every phase replaces the published docs; a partial run (--only) writes under artifacts/bench/.
        var outDir = o.OutDir ?? (o.Only.Count == 0 ? Path.Combine(_root, "docs") : Path.Combine(WorkDir, "out"));
        Directory.CreateDirectory(outDir);
        _report.WriteJson(Path.Combine(outDir, "benchmarks.json"));
        _report.WriteMarkdown(Path.Combine(outDir, "benchmarks.md"), LeanSummary(), _root);
        Console.WriteLine($"wrote {outDir}/benchmarks.md and benchmarks.json in {sw.Elapsed.TotalSeconds:0} s; errors: {_report.Errors.Count}");
        return _report.Errors.Count == 0 ? 0 : 1;
    }

    readonly List<ServerProcess> _live = [];
    bool _r2rReady;

    /// <summary>Stops every process the bench started and has not stopped yet.</summary>
    async Task KillStrayAsync()
    {
        List<ServerProcess> all;
        lock (_live) { all = [.. _live]; _live.Clear(); }
        await Task.WhenAll(all.Select(p => p.StopAsync(TimeSpan.FromSeconds(5))));
    }

    ServerProcess Track(ServerProcess p) { lock (_live) _live.Add(p); return p; }

    async Task StopAsync(IEnumerable<ServerProcess> ps)
    {
        var list = ps.ToList();
        lock (_live) foreach (var p in list) _live.Remove(p);
        await Task.WhenAll(list.Select(p => p.StopAsync(TimeSpan.FromSeconds(5))));
    }

    /// <summary>A userpod started directly, as the router would (token, port 0), from <paramref name="dll"/>.</summary>
    ServerProcess StartUserpod(string? dll = null, IReadOnlyDictionary<string, string?>? env = null) =>
        StartUserpod(Userpod.Jit(dll ?? UserpodDll), env);

    /// <summary>A userpod program started directly, as the router would (token, port 0).</summary>
    ServerProcess StartUserpod(Userpod program, IReadOnlyDictionary<string, string?>? env) =>
        Track(ServerProcess.Start("userpod", program.File, [.. program.Args, "--urls", "http://127.0.0.1:0"], env,
            token: Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))));

    ServerProcess StartBare(string mode, IReadOnlyDictionary<string, string?>? env = null) =>
        Track(ServerProcess.Start("bare-" + mode, "dotnet", [BareDll, mode, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], env));

    /// <summary>The router in local mode on a free loopback port, limits raised so the bench's many users from one IP are served.</summary>
    async Task<ServerProcess> StartRouterAsync(CancellationToken ct, params string[] extra)
    {
        var port = FreePort();
        var p = Track(ServerProcess.Start("router", "dotnet",
        [
            RouterDll, "--urls", $"http://127.0.0.1:{port}", "--idle-timeout", "01:00:00",
            "--sessions-per-ip-per-minute", "100000", "--max-sessions", "1000", "--start-wait", "00:02:00", "--spawn-timeout", "00:02:00",
            // Cold unless the scenario asks for a warm pool (the router's default is 2; a later --warm-pool wins).
            "--warm-pool", "0",
            .. extra,
        ], env: o.RouterEnv, announcesListening: false));
        await p.WaitHealthyAsync(new Uri($"http://127.0.0.1:{port}"), "/healthz", TimeSpan.FromSeconds(60), ct);
        return p;
    }

    /// <summary>Waits until the router has <paramref name="count"/> userpod processes (spares being started in the background).</summary>
    static async Task WaitChildrenAsync(ServerProcess router, int count, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + 120 * Stopwatch.Frequency;
        while (ProcFs.Children(router.Pid).Count(pid => ProcFs.IsListening(pid)) < count)
        {
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"router did not reach {count} userpods");
            await Task.Delay(50, ct); // polling another process's state; it offers no event
        }
    }

    /// <summary>Waits until the router reports <paramref name="size"/> warm userpods ready (listening and warmed up), from /metrics.</summary>
    static async Task WaitWarmPoolAsync(ServerProcess router, int size, CancellationToken ct)
    {
        using var http = new HttpClient();
        var deadline = Stopwatch.GetTimestamp() + 120 * Stopwatch.Frequency;
        var want = "htagkube_warm_pool_pods{state=\"ready\"} " + size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        while (!(await http.GetStringAsync(new Uri(router.BaseUri!, "/metrics"), ct)).Split('\n').Any(l => l.Trim() == want))
        {
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"router did not reach a warm pool of {size}");
            await Task.Delay(50, ct); // polling another process's state; it offers no event
        }
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    string Git(string args)
    {
        try
        {
            var psi = new ProcessStartInfo("git", args) { WorkingDirectory = _root, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var s = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return s;
        }
        catch (System.ComponentModel.Win32Exception) { return "?"; }
    }

    static string Lscpu()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return model is null ? "?" : model[(model.IndexOf(':') + 1)..].Trim();
    }

    static double Mb(long kb) => Math.Round(kb / 1024.0, 2);
}
