using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HTagKube.Bench;

/// <summary>A userpod program: the JIT Demo (<c>dotnet HTagKube.Demo.dll</c>) or the NativeAOT-published executable.</summary>
sealed record Userpod(string Name, string File, string[] Args)
{
    public static Userpod Jit(string dll) => new("JIT", "dotnet", [dll]);
    public static Userpod Aot(string exe) => new("NativeAOT", exe, []);

    /// <summary>The router's <c>--userpod-command</c> value.</summary>
    public string Command => string.Join(' ', new[] { File }.Concat(Args).Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
}

/// <summary>
/// NativeAOT against JIT, side by side (issue 15's table): each figure for both userpods, from the bench's own client
/// (in-process HttpClient) and from a client in its own process (curl, a fresh cookie per user, as a browser is).
/// Then the runtime knobs re-measured on the AOT userpod.
/// </summary>
sealed partial class Bench
{
    async Task AotAsync(CancellationToken ct)
    {
        if (o.AotUserpod is not { } exe || !File.Exists(exe))
        {
            _report.Errors.Add($"aot: no NativeAOT userpod ({o.AotUserpod ?? "--aot-userpod not given"}); `make bench` publishes it (make userpod-aot)");
            return;
        }
        Userpod jit = Userpod.Jit(UserpodDll), aot = Userpod.Aot(exe);
        var cmd = $"make userpod-aot && dotnet run -c Release --project tests/Bench -- --only aot --aot-userpod {Path.GetRelativePath(_root, exe)}" + (o.Quick ? " --quick" : "");
        var fig = new Dictionary<(string Measure, string Flavour, bool Outside), double>();
        void Put(string measure, Userpod u, bool outside, double v)
        {
            fig[(measure, u.Name, outside)] = v;
            Console.WriteLine($"  aot | {measure} | {u.Name}{(outside ? " (curl)" : "")}: {v:0.##}");
        }

        // Spawn → listening, CPU to the first page: the userpod started directly, rounds interleaved.
        var direct = new Dictionary<string, (List<double> Listening, List<double> Cpu, List<double> Total)>
        { [jit.Name] = ([], [], []), [aot.Name] = ([], [], []) };
        for (var i = 0; i < o.AotRounds; i++)
            foreach (var u in i % 2 == 0 ? new[] { jit, aot } : [aot, jit])
            {
                var (total, listening, cpu) = await ColdUserpodAsync(u, null, ct);
                direct[u.Name].Listening.Add(listening); direct[u.Name].Cpu.Add(cpu); direct[u.Name].Total.Add(total);
            }
        foreach (var u in new[] { jit, aot })
        {
            Put(SpawnListening, u, false, new Sample(direct[u.Name].Listening).Median);
            Put(CpuFirstPage, u, false, new Sample(direct[u.Name].Cpu).Median);
        }

        foreach (var u in new[] { jit, aot })
        {
            // A new user's first page through a running router (no warm pool): in-process and curl users interleaved.
            var r = await StartRouterAsync(ct, "--userpod-command", u.Command);
            var clients = new List<UserClient>();
            try
            {
                await WarmRouterAsync(r, clients, ct);
                List<double> inProc = [], outside = [];
                for (var i = 0; i < o.AotRounds; i++)
                {
                    var c = new UserClient(r.BaseUri!);
                    clients.Add(c);
                    inProc.Add(await c.LoadPageAsync(App, ct));
                    outside.Add(await CurlPageAsync(new Uri(r.BaseUri!, App), ct));
                }
                Put(ColdRouter, u, false, new Sample(inProc).Median);
                Put(ColdRouter, u, true, new Sample(outside).Median);
            }
            finally
            {
                foreach (var c in clients) await c.DisposeAsync();
                await StopAsync([r]);
            }

            // 20 new users at once, no warm pool: a fresh router for each client kind; then with all 20 starts allowed at once.
            foreach (var (outside, measure, extra) in new[] { (false, Burst, Array.Empty<string>()), (true, Burst, []), (false, BurstAllStarts, ["--max-starting", "20"]), (true, BurstAllStarts, ["--max-starting", "20"]) })
            {
                var rb = await StartRouterAsync(ct, ["--userpod-command", u.Command, .. extra]);
                var burst = new List<UserClient>();
                try
                {
                    await WarmRouterAsync(rb, burst, ct);
                    var url = new Uri(rb.BaseUri!, App);
                    double[] ms;
                    if (outside) ms = await Task.WhenAll(Enumerable.Range(0, o.BurstUsers).Select(_ => CurlPageAsync(url, ct)));
                    else
                    {
                        var users = Enumerable.Range(0, o.BurstUsers).Select(_ => new UserClient(rb.BaseUri!)).ToList();
                        burst.AddRange(users);
                        ms = await Task.WhenAll(users.Select(c => c.LoadPageAsync(App, ct)));
                    }
                    Put(measure, u, outside, new Sample(ms).Median);
                }
                finally
                {
                    foreach (var c in burst) await c.DisposeAsync();
                    await StopAsync([rb]);
                }
            }

            // Marginal PSS per user (2 → 10 active users), then round trips: 1 user, then 20 at once.
            var rm = await StartRouterAsync(ct, "--userpod-command", u.Command);
            var active = new List<UserClient>();
            try
            {
                var pss = new Dictionary<int, long>();
                foreach (var stage in o.AotMemoryStages)
                {
                    while (active.Count < stage) active.Add(await ActiveUserAsync(rm.BaseUri!, null, ct));
                    await Task.Delay(TimeSpan.FromSeconds(1), ct); // let startup garbage settle before reading memory (a measurement pause)
                    pss[stage] = Sum(ProcFs.Children(rm.Pid)).PssKb;
                }
                var (a, b) = (o.AotMemoryStages[0], o.AotMemoryStages[^1]);
                Put(MarginalPss, u, false, Mb(pss[b] - pss[a]) / (b - a));

                var one = active[0];
                for (var i = 0; i < 100; i++) await one.ClickAsync(false, ct);
                var rtt1 = new List<double>();
                for (var i = 0; i < o.RttPerRound; i++) rtt1.Add(await one.ClickAsync(false, ct));
                Put(Rtt1, u, false, new Sample(rtt1).P(95));

                while (active.Count < o.ConcurrentUsers) active.Add(await ActiveUserAsync(rm.BaseUri!, null, ct));
                var all = await Task.WhenAll(active.Take(o.ConcurrentUsers).Select(async c =>
                {
                    var list = new List<double>();
                    for (var i = 0; i < 200; i++) list.Add(await c.ClickAsync(false, ct));
                    return list;
                }));
                Put(Rtt20, u, false, new Sample(all.SelectMany(x => x)).P(95));
            }
            finally
            {
                foreach (var c in active) await c.DisposeAsync();
                await StopAsync([rm]);
            }
        }

        var images = await ImageSizesAsync(ct);
        var cluster = ClusterColdFromTestOutput();
        void Row(string measure, string unit, double? target, string note, bool outsideToo = false, double? jitValue = null, double? aotValue = null) =>
            _report.SideBySide.Add(new PairRow(measure, unit, target,
                jitValue ?? fig.GetValueOrDefault((measure, jit.Name, false), double.NaN), outsideToo ? fig.GetValueOrDefault((measure, jit.Name, true), double.NaN) : null,
                aotValue ?? fig.GetValueOrDefault((measure, aot.Name, false), double.NaN), outsideToo ? fig.GetValueOrDefault((measure, aot.Name, true), double.NaN) : null,
                note, cmd));
        Row(MarginalPss, "MB", 6, $"Δ total userpod PSS / Δ users, {o.AotMemoryStages[0]} → {o.AotMemoryStages[^1]} active users (page, WebSocket, a click) through the router");
        Row(ColdRouter, "ms", 60, $"median of {o.AotRounds} new users, router already running and warmed, no warm pool: a userpod process starts for each", outsideToo: true);
        Row(Burst, "ms", 150, $"{o.BurstUsers} new users at once on a fresh router without warm pool (--max-starting: one start per core at a time)", outsideToo: true);
        Row(BurstAllStarts, "ms", 150, "the same with --max-starting 20 (the router's default allows one start per core at a time)", outsideToo: true);
        Row(SpawnListening, "ms", 20, $"userpod started directly, median of {o.AotRounds}");
        Row(CpuFirstPage, "ms", 30, "all threads' CPU to the first complete page (/proc schedstat; excludes waiting for a core)");
        Row(Rtt1, "ms", null, $"p95 of {o.RttPerRound} clicks through the router (WebSocket)");
        Row(Rtt20, "ms", null, $"p95, {o.ConcurrentUsers} users clicking at once through the router, 200 clicks each");
        Row("userpod image size", "MB", null, images.Note, jitValue: images.Jit, aotValue: images.Aot);
        Row("cluster: session created → route published, cold pod", "ms", 1500, cluster.Note, jitValue: double.NaN, aotValue: cluster.ColdMs);

        await AotKnobsAsync(aot, cmd, ct);
    }

    const string MarginalPss = "marginal PSS per user", ColdRouter = "cold first page through the router, median",
        Burst = "20 new users at once, no warm pool, median", BurstAllStarts = "20 new users at once, no warm pool, --max-starting 20, median", SpawnListening = "userpod spawn → htag-listening, median",
        CpuFirstPage = "CPU to first page, median", Rtt1 = "round trip, 1 user, p95", Rtt20 = "round trip, 20 users, p95";

    /// <summary>The router's own first request (its JIT) is not what these rows measure: one user first, then the figures.</summary>
    static async Task WarmRouterAsync(ServerProcess router, List<UserClient> keep, CancellationToken ct)
    {
        var c = new UserClient(router.BaseUri!);
        keep.Add(c);
        await c.LoadPageAsync(App, ct);
    }

    /// <summary>One new user as an outside client: a curl process without cookies (the router gives it a fresh uid); ms to the complete page.</summary>
    static async Task<double> CurlPageAsync(Uri url, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-s", "--max-time", "120", "-w", "\n%{http_code} %{time_total}", url.ToString() }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("curl did not start");
        var output = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var last = output[(output.LastIndexOf('\n') + 1)..].Split(' ');
        if (p.ExitCode != 0 || last.Length != 2 || last[0] != "200" || !output.Contains("data-htag-instance=", StringComparison.Ordinal))
            throw new InvalidOperationException($"curl {url}: exit {p.ExitCode}, {output[..Math.Min(200, output.Length)]}");
        return double.Parse(last[1], CultureInfo.InvariantCulture) * 1000;
    }

    /// <summary>The AOT image as built (htagkube/userpod); the JIT one as it was built before: the ASP.NET base plus the framework-dependent Demo.</summary>
    async Task<(double Aot, double Jit, string Note)> ImageSizesAsync(CancellationToken ct)
    {
        var tag = Environment.GetEnvironmentVariable("HTAGKUBE_IMAGE_TAG") ?? "0.1.0";
        async Task<(long Bytes, string Entrypoint)?> Inspect(string image)
        {
            try
            {
                var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { "image", "inspect", "-f", "{{.Size}} {{json .Config.Entrypoint}}", image }) psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!;
                var s = (await p.StandardOutput.ReadToEndAsync(ct)).Trim();
                await p.WaitForExitAsync(ct);
                if (p.ExitCode != 0) return null;
                var sp = s.IndexOf(' ');
                return (long.Parse(s[..sp], CultureInfo.InvariantCulture), s[(sp + 1)..]);
            }
            catch (System.ComponentModel.Win32Exception) { return null; }
        }
        var userpod = await Inspect($"htagkube/userpod:{tag}");
        var aspnet = await Inspect("htagkube/dotnet-aspnet:10.0");
        var jitFiles = Directory.GetFiles(UserpodDir).Sum(f => new FileInfo(f).Length);
        if (userpod is null || aspnet is null)
            return (double.NaN, double.NaN, "docker not reachable (DOCKER_HOST) or images not built: `make images`");
        return (Math.Round(userpod.Value.Bytes / 1e6, 1), Math.Round((aspnet.Value.Bytes + jitFiles) / 1e6, 1),
            $"AOT: `docker image inspect htagkube/userpod:{tag}` (entrypoint {userpod.Value.Entrypoint}, FROM htagkube/dotnet-runtime-deps:10.0); " +
            $"JIT: htagkube/dotnet-aspnet:10.0 ({aspnet.Value.Bytes / 1e6:0} MB) + the framework-dependent Demo ({jitFiles / 1e6:0.0} MB), the image before NativeAOT");
    }

    /// <summary>WarmPoolTests prints "create → route published: warm pod N ms, cold pod M ms"; the newest test results carry it.</summary>
    (double ColdMs, string Note) ClusterColdFromTestOutput()
    {
        var dir = Path.Combine(_root, "artifacts", "test-results");
        var rx = new Regex(@"create → route published: warm pod (\d+) ms, cold pod (\d+) ms");
        var hit = (Directory.Exists(dir) ? Directory.GetFiles(dir, "*.trx", SearchOption.AllDirectories) : [])
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .Select(f => (File: f, M: rx.Match(File.ReadAllText(f))))
            .FirstOrDefault(x => x.M.Success);
        if (hit.M is null) return (double.NaN, "not in artifacts/test-results (run the operator tests: `make test`, or `dotnet test tests/HTagKube.Operator.Tests --filter WarmPoolTests --logger trx --results-directory artifacts/test-results`)");
        return (double.Parse(hit.M.Groups[2].Value, CultureInfo.InvariantCulture),
            $"from the operator tests' output ({Path.GetRelativePath(_root, hit.File)}, {File.GetLastWriteTimeUtc(hit.File):yyyy-MM-dd HH:mm} UTC), image htagkube/userpod as built then; warm pod {hit.M.Groups[1].Value} ms. JIT image before this change: 3150 ms (quoted from issue 15, not this run)");
    }

    /// <summary>What the runtime knobs and the warm-up buy on the AOT userpod (started directly; rounds interleaved).</summary>
    async Task AotKnobsAsync(Userpod aot, string cmd, CancellationToken ct)
    {
        (string Name, string How, Dictionary<string, string?> Env)[] variants =
        [
            ("AOT as built", "no env (workstation, non-concurrent GC baked in by userpod/Directory.Build.props)", []),
            ("gen0 budget 4 MB", "env DOTNET_GCgen0size=400000 (the image sets it; NativeAOT reads hex digits only)", new() { ["DOTNET_GCgen0size"] = "400000" }),
            ("gen0 budget 0x400000", "env DOTNET_GCgen0size=0x400000 (the prefixed spelling: ignored by NativeAOT)", new() { ["DOTNET_GCgen0size"] = "0x400000" }),
            ("conserve memory 5", "env DOTNET_GCConserveMemory=5", new() { ["DOTNET_GCConserveMemory"] = "5" }),
            ("server GC on", "env DOTNET_gcServer=1 (what 'server GC off' saves)", new() { ["DOTNET_gcServer"] = "1" }),
            ("concurrent GC on", "env DOTNET_gcConcurrent=1 (what 'concurrent GC off' saves)", new() { ["DOTNET_gcConcurrent"] = "1" }),
            ("warm-up", "env HTAG_WARMUP=1 (warm-pool userpods): every app rendered once before htag-listening", new() { ["HTAG_WARMUP"] = "1" }),
        ];
        var cold = variants.ToDictionary(v => v.Name, _ => (Total: new List<double>(), Listening: new List<double>(), Cpu: new List<double>()));
        for (var round = 0; round < o.AotRounds; round++)
            foreach (var v in variants.Skip(round % variants.Length).Concat(variants.Take(round % variants.Length)))
            {
                var (total, l, c) = await ColdUserpodAsync(aot, v.Env, ct);
                cold[v.Name].Total.Add(total); cold[v.Name].Listening.Add(l); cold[v.Name].Cpu.Add(c);
            }
        foreach (var v in variants)
        {
            // One userpod alone after its first page and many clicks: what a long session keeps.
            var p = StartUserpod(aot, v.Env);
            try
            {
                var uri = await p.WaitListeningAsync(ct);
                await using var c = new UserClient(uri, p.Token);
                await c.LoadPageAsync(App, ct);
                await c.ConnectAsync(ct);
                var rtt = new List<double>();
                for (var i = 0; i < o.LeanClicks; i++) rtt.Add(await c.ClickAsync(false, ct));
                await Task.Delay(TimeSpan.FromSeconds(1), ct); // a measurement pause before reading memory
                var mem = ProcFs.Rollup(p.Pid);
                var t = cold[v.Name];
                var afterListening = t.Total.Zip(t.Listening, (a, b) => a - b);
                _report.AotKnobs.Add(new KnobRow(v.Name, v.How, new Sample(t.Total).Median, new Sample(t.Listening).Median, new Sample(afterListening).Median,
                    new Sample(t.Cpu).Median, Mb(mem?.PssKb ?? 0), Mb(mem?.RssKb ?? 0), new Sample(rtt.Skip(rtt.Count / 2)).Median, cmd));
                Console.WriteLine($"  aot knob {v.Name}: cold {new Sample(t.Total).Median:0.0} ms, PSS after clicks {Mb(mem?.PssKb ?? 0):0.0} MB");
            }
            finally { await StopAsync([p]); }
        }
    }
}
