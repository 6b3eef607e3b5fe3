using System.Diagnostics;

namespace HTagKube.Bench;

/// <summary>Scenario 1b (20 users at once) and scenario 2+4 (round trips, router overhead) on the same processes.</summary>
sealed partial class Bench
{
    async Task BurstAndRoundTripAsync(CancellationToken ct)
    {
        var n = o.BurstUsers;
        var cmd = o.Command("burst");
        const string s = "1. new users, 20 at once";

        // Baseline: 20 bare apps started at once, each start → first response.
        var bare = Enumerable.Range(0, n).Select(_ => StartBare("minimal")).ToList();
        var bareMs = await Task.WhenAll(bare.Select(async p =>
        {
            var uri = await p.WaitListeningAsync(ct);
            await using var c = new UserClient(uri);
            await c.GetAsync("/", ct);
            return Stopwatch.GetElapsedTime(p.SpawnedTimestamp).TotalMilliseconds;
        }));
        await StopAsync(bare);
        var bareSample = new Sample(bareMs);

        // Direct: 20 userpods started at once, each start → first page. Kept for the round trips.
        var pods = Enumerable.Range(0, n).Select(_ => StartUserpod()).ToList();
        var directClients = new UserClient[n];
        var directMs = await Task.WhenAll(pods.Select(async (p, i) =>
        {
            var uri = await p.WaitListeningAsync(ct);
            var c = directClients[i] = new UserClient(uri, p.Token);
            await c.LoadPageAsync(App, ct);
            return Stopwatch.GetElapsedTime(p.SpawnedTimestamp).TotalMilliseconds;
        }));

        // A warm pool (what the router could keep): 20 userpods already listening, then 20 first pages at once.
        var pool = Enumerable.Range(0, n).Select(_ => StartUserpod()).ToList();
        var poolUris = await Task.WhenAll(pool.Select(p => p.WaitListeningAsync(ct)));
        var poolClients = pool.Select((p, i) => new UserClient(poolUris[i], p.Token)).ToList();
        var poolMs = await Task.WhenAll(poolClients.Select(c => c.LoadPageAsync(App, ct)));
        foreach (var c in poolClients) await c.DisposeAsync();
        await StopAsync(pool);

        // Router with 20 spare userpods: 20 new users at once once the spares are listening; then the same with the R2R userpod.
        var spareMs = await SpareBurstAsync(n, n, [], ct);
        var spareR2RMs = _r2rReady
            ? await SpareBurstAsync(n, n, ["--userpod-command", "dotnet " + Path.Combine(R2RDir, "HTagKube.Demo.dll")], ct)
            : null;
        // The router as installed (--warm-pool 2): 2 users take warm userpods, 18 wait for starts, at most one per core at once.
        var defaultMs = await SpareBurstAsync(2, n, [], ct);

        // Router: 20 new users at once (warm router: one user served first).
        var router = await StartRouterAsync(ct);
        var warm = new UserClient(router.BaseUri!);
        await warm.LoadPageAsync(App, ct);
        var routerClients = Enumerable.Range(0, n).Select(_ => new UserClient(router.BaseUri!)).ToArray();
        var routerMs = await Task.WhenAll(routerClients.Select(c => c.LoadPageAsync(App, ct)));
        var echo = StartBare("echo");
        try
        {
            if (o.Runs("burst"))
            {
                var rs = new Sample(routerMs); var ds = new Sample(directMs);
                _report.Add(new Row(s, "first page, median", "router", rs.Median, "ms", "20 bare apps at once, median", bareSample.Median, HtagwebBurst, 400, cmd));
                _report.Add(new Row(s, "first page, p95", "router", rs.P(95), "ms", "20 bare apps at once, p95", bareSample.P(95), null, null, cmd));
                _report.Add(new Row(s, "first page, median", "direct userpods", ds.Median, "ms", "20 bare apps at once, median", bareSample.Median, HtagwebBurst, 400, cmd));
                _report.Add(new Row(s, "first page, p95", "direct userpods", ds.P(95), "ms", "20 bare apps at once, p95", bareSample.P(95), null, null, cmd));
                var dm = new Sample(defaultMs);
                _report.Add(new Row(s, "first page, median", "router, defaults (--warm-pool 2)", dm.Median, "ms", "20 bare apps at once, median", bareSample.Median, HtagwebBurst, 400, cmd,
                    $"p95 {dm.P(95):0} ms; 2 users take warm userpods, 18 wait for process starts (at most one per core at a time: --max-starting)"));
                var ss = new Sample(spareMs);
                _report.Add(new Row(s, "first page, median", "router --warm-pool 20", ss.Median, "ms", "20 bare apps at once, median", bareSample.Median, HtagwebBurst, 400, cmd,
                    $"p95 {ss.P(95):0} ms; the router had 20 userpods started and listening when the 20 users arrived"));
                if (spareR2RMs is not null)
                {
                    var sr = new Sample(spareR2RMs);
                    _report.Add(new Row(s, "first page, median", "router --warm-pool 20, ReadyToRun userpod", sr.Median, "ms", "20 bare apps at once, median", bareSample.Median, HtagwebBurst, 400, cmd,
                        $"p95 {sr.P(95):0} ms; --userpod-command \"dotnet artifacts/bench/userpod-r2r/HTagKube.Demo.dll\" (dotnet publish -r linux-x64, R2R)"));
                }
                var ps = new Sample(poolMs);
                _report.Add(new Row(s, "first page, median", "direct, 20 pre-started userpods (warm pool)", ps.Median, "ms", "20 bare apps at once, median", bareSample.Median, HtagwebBurst, 400, cmd,
                    $"p95 {ps.P(95):0} ms; processes already listening when the 20 users arrive: what a router-side pool of spare userpods would give"));
                _report.Add(new Row(s, "start → first response, median", "20 bare minimal apps (baseline)", bareSample.Median, "ms", null, null, null, null, cmd));
                _report.Add(new Row(s, "start → first response, p95", "20 bare minimal apps (baseline)", bareSample.P(95), "ms", null, null, null, null, cmd));
            }
            if (o.Runs("rtt"))
            {
                var echoUri = await echo.WaitListeningAsync(ct);
                var echoClients = Enumerable.Range(0, n).Select(_ => new UserClient(echoUri)).ToArray();
                foreach (var c in echoClients) await c.ConnectAsync(ct, "/ws");
                foreach (var c in directClients) await c.ConnectAsync(ct);
                foreach (var c in routerClients) await c.ConnectAsync(ct);
                await RoundTripsAsync(echoClients, directClients, routerClients, [echo.Pid, pods[0].Pid, router.Pid], ct);
                await PersistedRoundTripsAsync(router.BaseUri!, ct);
                foreach (var c in echoClients) await c.DisposeAsync();
            }
        }
        finally
        {
            foreach (var c in directClients.Concat(routerClients).Append(warm)) if (c is not null) await c.DisposeAsync();
            await StopAsync([.. pods, router, echo]);
        }
    }

    /// <summary>A router with a warm pool of <paramref name="pool"/>, one user served first (the router's own JIT), then <paramref name="users"/> new users at once.</summary>
    async Task<double[]> SpareBurstAsync(int pool, int users, string[] extra, CancellationToken ct)
    {
        var spareRouter = await StartRouterAsync(ct, ["--warm-pool", pool.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra]);
        try
        {
            await using (var w = new UserClient(spareRouter.BaseUri!)) await w.LoadPageAsync(App, ct);
            await WaitChildrenAsync(spareRouter, pool + 1, ct);
            await WaitWarmPoolAsync(spareRouter, pool, ct);
            var spareClients = Enumerable.Range(0, users).Select(_ => new UserClient(spareRouter.BaseUri!)).ToList();
            var ms = await Task.WhenAll(spareClients.Select(c => c.LoadPageAsync(App, ct)));
            foreach (var c in spareClients) await c.DisposeAsync();
            return ms;
        }
        finally { await StopAsync([spareRouter]); }
    }

    async Task RoundTripsAsync(UserClient[] echo, UserClient[] direct, UserClient[] router, int[] pids, CancellationToken ct)
    {
        // CPU per interaction (no waiting included, though contention still inflates it): echo server per echo, userpod per click (direct), router per relayed click.
        var cpuPid = new Dictionary<string, int> { ["echo"] = pids[0], ["direct"] = pids[1], ["router"] = pids[2] };
        var cpuMs = new Dictionary<string, double> { ["echo"] = 0, ["direct"] = 0, ["router"] = 0 };
        var cmd = o.Command("rtt");
        // 1 user: interleaved blocks so drift in the machine's load hits the three paths alike.
        (string Name, UserClient C, bool Echo)[] one = [("echo", echo[0], true), ("direct", direct[0], false), ("router", router[0], false)];
        foreach (var (_, c, e) in one)
            for (var i = 0; i < o.RttWarmup; i++) await c.ClickAsync(e, ct);
        var all = one.ToDictionary(x => x.Name, _ => new List<double>());
        var perRoundP50 = one.ToDictionary(x => x.Name, _ => new List<double>());
        var perRoundTime = one.ToDictionary(x => x.Name, _ => 0.0);
        for (var round = 0; round < o.RttRounds; round++)
        {
            foreach (var (name, c, e) in one)
            {
                var block = new List<double>(o.RttPerRound);
                var cpu0 = ProcFs.CpuMs(cpuPid[name]);
                var t0 = Stopwatch.GetTimestamp();
                for (var i = 0; i < o.RttPerRound; i++) block.Add(await c.ClickAsync(e, ct));
                perRoundTime[name] += Stopwatch.GetElapsedTime(t0).TotalSeconds;
                cpuMs[name] += ProcFs.CpuMs(cpuPid[name]) - cpu0;
                all[name].AddRange(block);
                perRoundP50[name].Add(new Sample(block).Median);
            }
        }
        var echo1 = new Sample(all["echo"]);
        const string s2 = "2. round trip, 1 user";
        foreach (var name in new[] { "router", "direct" })
        {
            var x = new Sample(all[name]);
            _report.Add(new Row(s2, "p50", name, x.Median, "ms", "WebSocket echo p50", echo1.Median, "0.61 ms", 0.5, cmd));
            _report.Add(new Row(s2, "p95", name, x.P(95), "ms", "WebSocket echo p95", echo1.P(95), "1.23 ms", 1.0, cmd));
            _report.Add(new Row(s2, "p99", name, x.P(99), "ms", "WebSocket echo p99", echo1.P(99), null, null, cmd));
            _report.Add(new Row(s2, "interactions/s", name, x.Count / perRoundTime[name], "1/s", "WebSocket echo", all["echo"].Count / perRoundTime["echo"], null, null, cmd,
                "one client, one click at a time: 1 / mean round trip"));
        }
        _report.Add(new Row(s2, "p50 / p95 / p99", "raw WebSocket echo (baseline)", echo1.Median, "ms", null, null, null, null, cmd,
            $"p95 {echo1.P(95):0.###} ms, p99 {echo1.P(99):0.###} ms; bare Kestrel echo server"));

        var clicks = (double)o.RttRounds * o.RttPerRound;
        _report.Add(new Row(s2, "CPU per interaction", "userpod (direct)", Math.Round(cpuMs["direct"] / clicks * 1000, 1), "µs", "echo server CPU per echo", Math.Round(cpuMs["echo"] / clicks * 1000, 1), null, null, cmd,
            "server process CPU only (/proc schedstat delta over the measured clicks); sets the ceiling on interactions/s per core"));
        _report.Add(new Row("4. router overhead", "router CPU per relayed interaction", "router", Math.Round(cpuMs["router"] / clicks * 1000, 1), "µs", "echo server CPU per echo", Math.Round(cpuMs["echo"] / clicks * 1000, 1), null, null, cmd,
            "the router process only (its userpod not included)"));

        // 4. router overhead: paired by round (same minute of machine load), median of the differences.
        var diffs = perRoundP50["router"].Zip(perRoundP50["direct"], (r, d) => r - d).ToList();
        var echoVsNothing = new Sample(perRoundP50["echo"]).Median;
        _report.Add(new Row("4. router overhead", "p50(router) − p50(direct), median over rounds", "router", new Sample(diffs).Median, "ms",
            "WebSocket echo p50 (a whole loopback round trip)", echoVsNothing, "—", 0.15, cmd,
            $"{o.RttRounds} interleaved rounds of {o.RttPerRound} clicks; overall p50 router {new Sample(all["router"]).Median:0.###} vs direct {new Sample(all["direct"]).Median:0.###} ms"));

        // 20 users at once: closed loop (each sends its next click when its update arrives), saturating the 2 cores.
        const string s20 = "2. round trip, 20 users at once";
        var results = new Dictionary<string, (Sample S, double Rate)>();
        foreach (var (name, clients, e) in new[] { ("echo", echo, true), ("direct", direct, false), ("router", router, false) })
            results[name] = await ClosedLoopAsync(clients, e, ct);
        var eb = results["echo"];
        foreach (var name in new[] { "router", "direct" })
        {
            var (x, rate) = results[name];
            _report.Add(new Row(s20, "p50", name, x.Median, "ms", "20 echo sockets p50", eb.S.Median, "25.9 ms", 3, cmd));
            _report.Add(new Row(s20, "p95", name, x.P(95), "ms", "20 echo sockets p95", eb.S.P(95), "48.7 ms", 8, cmd));
            _report.Add(new Row(s20, "p99", name, x.P(99), "ms", "20 echo sockets p99", eb.S.P(99), null, null, cmd));
            _report.Add(new Row(s20, "interactions/s (all users)", name, rate, "1/s", "20 echo sockets", eb.Rate, null, null, cmd));
        }
        _report.Add(new Row(s20, "p50", "raw WebSocket echo, 20 sockets (baseline)", eb.S.Median, "ms", null, null, null, null, cmd,
            $"p95 {eb.S.P(95):0.###} ms, p99 {eb.S.P(99):0.###} ms, {eb.Rate:0} msg/s"));
    }

    async Task<(Sample, double)> ClosedLoopAsync(UserClient[] clients, bool echo, CancellationToken ct)
    {
        // Warm-up first: a fresh userpod runs tier-0 code and JITs tier 1 in the background for its first hundreds of
        // interactions; 20 processes doing that at once on 2 cores would stall some users for seconds (measured), which
        // is start-up cost, not round trip. Then a fixed measuring window; every user loops on its own socket.
        await Task.WhenAll(clients.Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < o.RttWarmup; i++) await c.ClickAsync(echo, ct);
        }, ct)));
        var warmEnd = Stopwatch.GetTimestamp() + (long)(0.5 * Stopwatch.Frequency);
        var end = warmEnd + (long)(o.ConcurrentDuration.TotalSeconds * Stopwatch.Frequency);
        var lists = await Task.WhenAll(clients.Select(c => Task.Run(async () =>
        {
            var l = new List<double>(4096);
            while (true)
            {
                var now = Stopwatch.GetTimestamp();
                if (now >= end) break;
                var ms = await c.ClickAsync(echo, ct);
                if (now >= warmEnd) l.Add(ms);
            }
            return l;
        }, ct)));
        var all = lists.SelectMany(x => x).ToList();
        var elapsed = Stopwatch.GetElapsedTime(warmEnd - (long)(0.5 * Stopwatch.Frequency)).TotalSeconds;
        Console.WriteLine($"    closed loop: {clients.Length} users, clicks per user min {lists.Min(l => l.Count)} max {lists.Max(l => l.Count)}, " +
                          $"longest {(all.Count > 0 ? all.Max() : 0):0} ms, whole loop {elapsed:0.0} s for a {o.ConcurrentDuration.TotalSeconds + 0.5:0.0} s window");
        return (new Sample(all), all.Count / o.ConcurrentDuration.TotalSeconds);
    }
}
