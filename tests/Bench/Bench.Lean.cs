using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HTagKube.Bench;

/// <summary>
/// "Make it lean": the same userpod under runtime/GC/startup variants (runtimeconfig knobs, env vars, a
/// ReadyToRun publish), each measured for cold start, memory per process, JIT and assemblies, and round trip.
/// </summary>
sealed partial class Bench
{
    /// <summary>A userpod variant: files from <paramref name="SourceDir"/>, runtimeconfig properties set (null value = removed), env.</summary>
    sealed record Variant(string Name, string How, string SourceDir, Dictionary<string, JsonNode?> Config, Dictionary<string, string?> Env);

    /// <summary>Runtimeconfig properties the lean work may set; "SDK defaults" removes them all.</summary>
    static readonly string[] LeanKeys =
    [
        "System.Runtime.TieredPGO", "System.GC.Concurrent", "System.GC.Server", "System.GC.ConserveMemory",
        "System.Diagnostics.Tracing.EventSource.IsSupported", "System.Resources.UseSystemResourceKeys",
        "System.Runtime.TieredCompilation.QuickJitForLoops", "System.Runtime.TieredCompilation",
        "System.GC.RetainVM", "System.Reflection.Metadata.MetadataUpdater.IsSupported",
    ];

    /// <summary>The env vars recommended for userpod processes (set by the router / the image); measured as a variant.</summary>
    static readonly Dictionary<string, string?> RecommendedEnv = new() { [ServerProcess.NoConfigWatch] = "false", ["DOTNET_GCgen0size"] = "0x400000" };

    string R2RDir => Path.Combine(WorkDir, "userpod-r2r");

    async Task<bool> PublishR2RAsync(CancellationToken ct)
    {
        Console.WriteLine("  publishing userpod/Demo with ReadyToRun → artifacts/bench/userpod-r2r");
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        // Its own artifacts path: the RID-specific restore must not rewrite obj/ that others build from.
        foreach (var a in new[] { "publish", "userpod/Demo", "-c", "Release", "-r", "linux-x64", "--self-contained", "false",
                     "-p:PublishReadyToRun=true", "--artifacts-path", Path.Combine(WorkDir, "build-r2r"), "-o", R2RDir, "-nologo", "-v:q" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync(ct);
        var errors = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode == 0) return true;
        _report.Errors.Add("ReadyToRun publish failed: " + (await output + await errors).Trim().Split('\n').LastOrDefault());
        return false;
    }

    List<Variant> Variants(bool r2r)
    {
        Dictionary<string, JsonNode?> Defaults() => LeanKeys.ToDictionary(k => k, _ => (JsonNode?)null);
        Dictionary<string, JsonNode?> With(string k, JsonNode v) { var d = Defaults(); d[k] = v; return d; }
        var built = UserpodDir;
        var list = new List<Variant>
        {
            new("before: SDK defaults", "current build, lean runtimeconfig knobs removed, appsettings watched", built, Defaults(), new() { [ServerProcess.NoConfigWatch] = null }),
            new("no appsettings watch", "env DOTNET_hostBuilder__reloadConfigOnChange=false (no inotify instance)", built, Defaults(), []),
            new("TieredPGO off", "runtimeconfig System.Runtime.TieredPGO=false", built, With("System.Runtime.TieredPGO", false), []),
            new("concurrent GC off", "runtimeconfig System.GC.Concurrent=false", built, With("System.GC.Concurrent", false), []),
            new("EventSource off", "runtimeconfig System.Diagnostics.Tracing.EventSource.IsSupported=false", built, With("System.Diagnostics.Tracing.EventSource.IsSupported", false), []),
            new("GC conserve memory 5", "runtimeconfig System.GC.ConserveMemory=5", built, With("System.GC.ConserveMemory", 5), []),
            new("gen0 budget 4 MB", "env DOTNET_GCgen0size=0x400000", built, Defaults(), new() { ["DOTNET_GCgen0size"] = "0x400000" }),
            new("gen0 budget 1 MB", "env DOTNET_GCgen0size=0x100000", built, Defaults(), new() { ["DOTNET_GCgen0size"] = "0x100000" }),
            new("W^X off", "env DOTNET_EnableWriteXorExecute=0 (no double-mapped JIT code)", built, Defaults(), new() { ["DOTNET_EnableWriteXorExecute"] = "0" }),
            new("tiered compilation off", "runtimeconfig System.Runtime.TieredCompilation=false (one optimised JIT per method)", built, With("System.Runtime.TieredCompilation", false), []),
            new("segments GC", "env DOTNET_GCName=libclrgc.so (the pre-regions GC shipped beside the default)", built, Defaults(), new() { ["DOTNET_GCName"] = "libclrgc.so" }),
            new("glibc arenas 2", "env MALLOC_ARENA_MAX=2 (fewer native heap arenas)", built, Defaults(), new() { ["MALLOC_ARENA_MAX"] = "2" }),
            new("after: as built", "userpod/Directory.Build.props as committed", built, [], []),
            new("after + recommended env", "as built + env " + string.Join(' ', RecommendedEnv.Select(kv => kv.Key + "=" + kv.Value)), built, [], RecommendedEnv),
        };
        if (r2r)
        {
            // The R2R publish carries the same props; "SDK defaults" strips them, as above.
            list.Add(new("R2R, SDK defaults", "dotnet publish -p:PublishReadyToRun=true, lean knobs removed, appsettings watched", R2RDir, Defaults(), new() { [ServerProcess.NoConfigWatch] = null }));
            list.Add(new("R2R + as built + env", "ReadyToRun publish with userpod/Directory.Build.props + recommended env", R2RDir, [], RecommendedEnv));
        }
        return list;
    }

    /// <summary>Copies the variant's files and writes its runtimeconfig; returns the dll to run.</summary>
    string Prepare(Variant v)
    {
        var dir = Path.Combine(WorkDir, "variants", string.Concat(v.Name.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-')));
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(v.SourceDir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var rcPath = Path.Combine(dir, "HTagKube.Demo.runtimeconfig.json");
        var rc = JsonNode.Parse(File.ReadAllText(rcPath))!;
        if (rc["runtimeOptions"]!["configProperties"] is null) rc["runtimeOptions"]!["configProperties"] = new JsonObject();
        var props = rc["runtimeOptions"]!["configProperties"]!.AsObject();
        foreach (var (k, val) in v.Config)
        {
            props.Remove(k);
            if (val is not null) props[k] = val.DeepClone();
        }
        File.WriteAllText(rcPath, rc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return Path.Combine(dir, "HTagKube.Demo.dll");
    }

    async Task LeanAsync(CancellationToken ct)
    {
        var r2r = _r2rReady;
        var variants = Variants(r2r).Select(v => (V: v, Dll: Prepare(v))).ToList();
        var cold = variants.ToDictionary(x => x.V.Name, _ => new List<double>());
        var listening = variants.ToDictionary(x => x.V.Name, _ => new List<double>());
        var cpu = variants.ToDictionary(x => x.V.Name, _ => new List<double>());
        for (var round = 0; round < o.LeanRounds; round++)
            // Rotated each round so no variant always runs first (after a pause) or right after a heavy one.
            foreach (var (v, dll) in variants.Skip(round % variants.Count).Concat(variants.Take(round % variants.Count)))
            {
                var (total, l, c) = await ColdUserpodAsync(dll, v.Env, ct);
                cold[v.Name].Add(total); listening[v.Name].Add(l); cpu[v.Name].Add(c);
            }
        foreach (var (v, dll) in variants)
        {
            Console.WriteLine($"  variant {v.Name}");
            var (probeA, probeB, rtt, init, pssAfter) = await ProbeRunAsync(v, dll, ct);
            var (pss, anon) = await PssPerProcessAsync(dll, v.Env, ct);
            static long L(JsonElement e, string p) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(p, out var x) ? x.GetInt64() : -1;
            static double D(JsonElement e, string p) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(p, out var x) ? x.GetDouble() : double.NaN;
            var gen0 = probeB.ValueKind == JsonValueKind.Object ? probeB.GetProperty("gcCollections")[0].GetInt32() : -1;
            _report.Lean.Add(new LeanRow(v.Name, v.How, Math.Round(new Sample(cold[v.Name]).Median, 1), Math.Round(new Sample(cpu[v.Name]).Median, 1),
                Math.Round(new Sample(listening[v.Name]).Median, 1), Math.Round(init, 1), pss, anon, pssAfter, Math.Round(rtt, 3), L(probeA, "jitMethods"), L(probeB, "jitMethods"), D(probeB, "jitMs"),
                (int)L(probeB, "assemblies"), Math.Round(L(probeB, "gcTotalMemory") / 1048576.0, 2), Math.Round(L(probeB, "allocatedBytes") / 1048576.0, 1),
                (int)L(probeB, "threads"), gen0));
            if (v.Name.StartsWith("before", StringComparison.Ordinal) || v.Name.StartsWith("after: as built", StringComparison.Ordinal))
            {
                _report.Probes[v.Name + " / at listening"] = probeA;
                _report.Probes[v.Name + " / after first page + clicks"] = probeB;
            }
        }
        await ProbeBareAsync(ct);
    }

    /// <summary>One userpod with the probe hook: snapshot at listening, then after the first page and <c>LeanClicks</c> clicks.</summary>
    async Task<(JsonElement AtListening, JsonElement AfterUse, double RttP50, double RuntimeInitMs, double PssAfterMb)> ProbeRunAsync(Variant v, string dll, CancellationToken ct)
    {
        var outFile = Path.Combine(WorkDir, "probe-" + Guid.NewGuid().ToString("n") + ".jsonl");
        var env = new Dictionary<string, string?>(v.Env) { ["DOTNET_STARTUP_HOOKS"] = ProbeDll, ["HTAG_PROBE_OUT"] = outFile };
        var p = StartUserpod(dll, env);
        try
        {
            var uri = await p.WaitListeningAsync(ct);
            var a = await SnapshotAsync(p.Pid, outFile, 1, ct);
            await using var c = await ActiveUserAsync(uri, p.Token, ct);
            var rtts = new List<double>(o.LeanClicks);
            for (var i = 0; i < o.LeanClicks; i++) rtts.Add(await c.ClickAsync(false, ct));
            var b = await SnapshotAsync(p.Pid, outFile, 2, ct);
            var init = a.TryGetProperty("hookUnixMs", out var h) ? h.GetInt64() - p.SpawnedAt.ToUnixTimeMilliseconds() : double.NaN;
            if (v.Name.StartsWith("after: as built", StringComparison.Ordinal) || v.Name.StartsWith("before", StringComparison.Ordinal))
                _report.MemoryBreakdownKb["userpod, " + v.Name + " (alone, after use)"] = ProcFs.PssByCategory(p.Pid);
            var pssAfter = Mb(ProcFs.Rollup(p.Pid)?.PssKb ?? 0);
            // Steady state: the second half of the clicks (tiering has settled).
            return (a, b, new Sample(rtts.Skip(rtts.Count / 2)).Median, init, pssAfter);
        }
        finally
        {
            await StopAsync([p]);
            File.Delete(outFile);
        }
    }

    /// <summary>The same probe on a bare Kestrel app (the userpod's shape) and a bare minimal app, for the profile's baseline columns.</summary>
    async Task ProbeBareAsync(CancellationToken ct)
    {
        foreach (var mode in new[] { "kestrel", "minimal" })
        {
            var outFile = Path.Combine(WorkDir, "probe-" + Guid.NewGuid().ToString("n") + ".jsonl");
            var p = StartBare(mode, new Dictionary<string, string?> { ["DOTNET_STARTUP_HOOKS"] = ProbeDll, ["HTAG_PROBE_OUT"] = outFile });
            try
            {
                var uri = await p.WaitListeningAsync(ct);
                await using (var c = new UserClient(uri)) await c.GetAsync("/", ct);
                _report.Probes[$"bare {mode} app / after first response"] = await SnapshotAsync(p.Pid, outFile, 1, ct);
                _report.MemoryBreakdownKb[$"bare {mode} app (alone, after first response)"] = ProcFs.PssByCategory(p.Pid);
            }
            finally { await StopAsync([p]); File.Delete(outFile); }
        }
    }

    static async Task<JsonElement> SnapshotAsync(int pid, string file, int lines, CancellationToken ct)
    {
        ServerProcess.Signal(pid, 10); // SIGUSR1 → the hook appends a line
        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (File.Exists(file))
            {
                var all = await File.ReadAllLinesAsync(file, ct);
                if (all.Length >= lines) return JsonDocument.Parse(all[lines - 1]).RootElement.Clone();
            }
            await Task.Delay(10, ct); // waiting for another process's file write
        }
        return default;
    }

    /// <summary>PSS per process with <c>LeanProcesses</c> userpods of one variant alive at once (each with an active user).</summary>
    async Task<(double Pss, double Anon)> PssPerProcessAsync(string dll, Dictionary<string, string?> env, CancellationToken ct)
    {
        var pods = Enumerable.Range(0, o.LeanProcesses).Select(_ => StartUserpod(dll, env)).ToList();
        var users = new List<UserClient>();
        try
        {
            users.AddRange(await Task.WhenAll(pods.Select(async p => await ActiveUserAsync(await p.WaitListeningAsync(ct), p.Token, ct))));
            await Task.Delay(TimeSpan.FromSeconds(1), ct); // settle before reading memory
            var m = Sum(pods.Select(p => p.Pid));
            return (Math.Round(Mb(m.PssKb) / pods.Count, 2), Math.Round(Mb(m.PssAnonKb) / pods.Count, 2));
        }
        finally
        {
            foreach (var u in users) await u.DisposeAsync();
            await StopAsync(pods);
        }
    }
}
