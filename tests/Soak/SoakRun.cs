using System.Diagnostics;

namespace HTagKube.Soak;

/// <summary>
/// The soak: the real router (a child process; Demo userpods; a short idle timeout; Redis mode optionally) under
/// simulated users for the duration, then every session left to expire, the router stopped, and the leftovers counted.
/// </summary>
sealed class SoakRun(SoakOptions o)
{
#if DEBUG
    internal const string Config = "Debug";
#else
    internal const string Config = "Release";
#endif
    const string Marker = "HTAGKUBE_SOAK_RUN";
    /// <summary>The router's warm pool: spares that are not sessions, stopped with the router.</summary>
    const int WarmPool = 2;
    /// <summary>A userpod stops within idle timeout + this of its last request (its own backstop), and the router sweeps each second.</summary>
    static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    /// <summary>Every this many samples (10 s apart) the router's heap is also read after a full GC: once a minute.</summary>
    const int HeapEvery = 6;

    readonly ErrorTally _errors = new();
    readonly SoakCounters _counters = new();
    readonly List<RouterProbe.Sample> _samples = [];
    readonly SoakReport _report = new();

    public async Task<int> RunAsync()
    {
        var root = FindRoot();
        var routerDll = Path.Combine(root, "router", "bin", Config, "net10.0", "HTagKube.Router.dll");
        if (!File.Exists(routerDll)) { Console.Error.WriteLine($"missing {routerDll}: build with `dotnet build tests/Soak -c {Config}`"); return 2; }
        var run = Guid.NewGuid().ToString("N");
        var rng = new Random(o.Seed);
        _report.Options = o;
        _report.StartedAt = DateTimeOffset.UtcNow;
        _report.LoadAtStart = File.ReadAllText("/proc/loadavg").Trim();
        _report.Machine = $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB";
        _report.Commit = Git(root, "rev-parse --short HEAD");
        Log($"soak: {o.Users} users, {o.Minutes} min, idle timeout {o.IdleTimeout.TotalSeconds} s, {(o.Redis ? "Redis" : "local")} mode, seed {o.Seed}");

        await using var redis = o.Redis ? await RedisProcess.StartAsync() : null;
        var redisConfig = redis is null ? null : $"127.0.0.1:{redis.Port}";
        var args = new List<string>(o.RouterLifetimeArgs)
        {
            "--warm-pool", WarmPool.ToString(),
            // Every simulated user comes from 127.0.0.1; the per-IP limit of new sessions is not what this soak measures.
            "--sessions-per-ip-per-minute", "100000",
        };
        if (redisConfig is not null) args.AddRange(["--redis", redisConfig]);
        var env = new Dictionary<string, string>
        {
            [Marker] = run, // inherited by every userpod the router starts: how the leak count finds them
            // Without it each process holds an inotify instance (128 per uid); dozens of userpods would abort (docs/benchmarks.md).
            ["DOTNET_hostBuilder__reloadConfigOnChange"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var router = await ServerProgram.StartAsync(routerDll, args, env: env);
        var probe = new RouterProbe(router, Marker, run, redisConfig);
        var failures = new List<string>();
        try
        {
            var clock = Stopwatch.StartNew();
            _samples.Add(await probe.SampleAsync(clock.Elapsed, CancellationToken.None, heap: true));
            var endAt = DateTime.UtcNow + o.Duration;
            using var hardStop = new CancellationTokenSource(o.Duration + TimeSpan.FromMinutes(3)); // bound on the user phase
            var arrivalWindow = o.Duration * 0.6;
            var users = Enumerable.Range(0, o.Users)
                .Select(i => new SimulatedUser(i, router.BaseAddress, o, new Random(rng.Next()), _errors, _counters)
                    .RunAsync(arrivalWindow * rng.NextDouble(), endAt, hardStop.Token))
                .ToList();
            var all = Task.WhenAll(users);
            while (!all.IsCompleted)
            {
                await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10))); // sampling period
                var s = await probe.SampleAsync(clock.Elapsed, CancellationToken.None, heap: all.IsCompleted || _samples.Count % HeapEvery == 0);
                _samples.Add(s);
                Log($"{s.At:mm\\:ss} users {_counters.Arrived}/{o.Users} visits {_counters.Visits} clicks {_counters.Clicks} sessions {s.LiveSessions} listed {s.Listed} userpods {s.Userpods}{(s.RouteKeys is { } k ? $" route keys {k}" : "")} RSS {s.RssKb / 1024} MB PSS {s.PssKb / 1024} MB{(s.HeapBytes is { } h ? $" heap after full GC {h / 1024 / 1024.0:0.0} MB" : "")} errors {_errors.Unexpected} load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            }
            try { await all; } catch (OperationCanceledException) { _errors.Add("user phase past its bound", expected: false); }
            _report.EndOfLoad = _samples[^1];
            _report.LoadAtEnd = File.ReadAllText("/proc/loadavg").Trim();

            // Every user has left: each session must expire within the idle timeout (+ grace), leaving only the warm spares.
            var quiet = Stopwatch.StartNew();
            try
            {
                await Eventually.True(async () => (await probe.SampleAsync(clock.Elapsed, CancellationToken.None)) is { LiveSessions: 0, Listed: 0 } s
                    && s.Userpods <= WarmPool && s.RouteKeys is null or 0, o.IdleTimeout + Grace + TimeSpan.FromSeconds(60), "every session expired");
            }
            catch (TimeoutException e) { failures.Add(e.Message); }
            _report.ExpiryTook = quiet.Elapsed;
            var idle = await probe.SampleAsync(clock.Elapsed, CancellationToken.None, heap: true);
            _samples.Add(idle);
            _report.AfterIdle = idle;
            var listed = await probe.ListedAsync(CancellationToken.None);
            var metrics = await probe.MetricsAsync(CancellationToken.None);
            _report.Metrics = RouterErrors(metrics);
            foreach (var (name, value) in _report.Metrics)
                if (value > 0) _errors.Add($"router {name}", expected: false, $"{value}");
            if (idle.LiveSessions != idle.Listed) failures.Add($"live sessions {idle.LiveSessions} ≠ listed {idle.Listed}");
            if (idle.RouteKeys is { } keys && keys != idle.Listed) failures.Add($"route keys {keys} ≠ sessions {idle.Listed}");
            if (idle.Userpods > WarmPool) failures.Add($"{idle.Userpods} userpods alive after every session expired (warm pool {WarmPool})");
        }
        finally
        {
            // The router stops (SIGTERM) and takes its warm spares with it; nothing of this run may stay alive.
            await router.StopAsync(TimeSpan.FromSeconds(30));
            _report.RouterLogProblems = [.. router.Lines.Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal))
                .GroupBy(l => l).Select(g => $"{g.Count()} × {g.Key}")];
            var left = Array.Empty<int>();
            try { await Eventually.True(() => (left = probe.Userpods()).Length == 0, o.IdleTimeout + Grace, "no userpod of this run alive"); }
            catch (TimeoutException) { failures.Add($"{left.Length} userpods leaked after the router stopped: {string.Join(", ", left.Select(p => $"{p} {ProcessTree.CommandLine(p)}"))}"); }
            _report.LeakedUserpods = left.Length;
            if (redisConfig is not null)
            {
                _report.RouteKeysAtEnd = await probe.RouteKeysAsync(CancellationToken.None);
                if (_report.RouteKeysAtEnd != 0) failures.Add($"{_report.RouteKeysAtEnd} route keys left in Redis");
            }
            foreach (var pid in left) { try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } } // ours, after counting
            probe.Dispose();
            await router.DisposeAsync();
        }
        foreach (var (kind, expected, count) in _errors.Counts)
            if (!expected) failures.Add($"{count} × unexpected error: {kind}");
        _report.Counters = _counters;
        _report.Errors = _errors;
        _report.Samples = _samples;
        _report.Failures = failures;
        _report.FinishedAt = DateTimeOffset.UtcNow;
        var outFile = o.Out ?? Path.Combine(root, "docs", o.Redis ? "soak-redis.md" : "soak.md");
        await File.WriteAllTextAsync(outFile, _report.Markdown());
        Log($"report: {outFile}");
        foreach (var f in failures) Console.Error.WriteLine("FAIL: " + f);
        foreach (var ex in _errors.Examples) Console.Error.WriteLine("  e.g. " + ex);
        Log(failures.Count == 0 ? "soak passed" : $"soak FAILED ({failures.Count})");
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>Router counters that count failures; all 0 in this scenario.</summary>
    static List<(string, double)> RouterErrors(string metrics) =>
    [
        ("spawn_failures_total", RouterProbe.Value(metrics, "htagkube_spawn_failures_total")),
        ("sessions_rejected_total", RouterProbe.Value(metrics, "htagkube_sessions_rejected_total")),
        ("dead_routes_total", RouterProbe.Value(metrics, "htagkube_dead_routes_total")),
        ("upstream_errors_total", RouterProbe.Value(metrics, "htagkube_upstream_errors_total")),
        ("route_table_errors_total", RouterProbe.Value(metrics, "htagkube_route_table_errors_total")),
        ("warm_pool_deaths_total", RouterProbe.Value(metrics, "htagkube_warm_pool_deaths_total")),
        ("warm_pool_start_failures_total", RouterProbe.Value(metrics, "htagkube_warm_pool_start_failures_total")),
        ("proxied_requests_total{code=5xx}", RouterProbe.Value(metrics, "htagkube_proxied_requests_total", "code=\"5")),
    ];

    internal static void Log(string line) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

    internal static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HTagKube.sln"))) return d.FullName;
        throw new InvalidOperationException("HTagKube.sln not found above " + AppContext.BaseDirectory);
    }

    internal static string Git(string root, string args)
    {
        try
        {
            var psi = new ProcessStartInfo("git", args) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var s = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return s;
        }
        catch (System.ComponentModel.Win32Exception) { return "?"; }
    }
}
