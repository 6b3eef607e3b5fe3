namespace HTagKube.Bench;

/// <summary>Scenario 1: a new user's first page, one at a time (cold) and 20 arriving at once.</summary>
sealed partial class Bench
{
    const string HtagwebCold = "319 ms", HtagwebBurst = "4.6 s (median)";

    /// <summary>Spawn → listening → first complete response: the time a new user waits for a fresh process.</summary>
    Task<(double Total, double Listening, double CpuMs)> ColdUserpodAsync(string? dll, IReadOnlyDictionary<string, string?>? env, CancellationToken ct) =>
        ColdUserpodAsync(Userpod.Jit(dll ?? UserpodDll), env, ct);

    async Task<(double Total, double Listening, double CpuMs)> ColdUserpodAsync(Userpod program, IReadOnlyDictionary<string, string?>? env, CancellationToken ct)
    {
        var p = StartUserpod(program, env);
        try
        {
            var uri = await p.WaitListeningAsync(ct);
            await using var c = new UserClient(uri, p.Token);
            await c.LoadPageAsync(App, ct);
            return (System.Diagnostics.Stopwatch.GetElapsedTime(p.SpawnedTimestamp).TotalMilliseconds, p.ListeningMs, ProcFs.CpuMs(p.Pid));
        }
        finally { await StopAsync([p]); }
    }

    async Task<(double Total, double CpuMs)> ColdBareAsync(string mode, CancellationToken ct)
    {
        var p = StartBare(mode);
        try
        {
            var uri = await p.WaitListeningAsync(ct);
            await using var c = new UserClient(uri);
            await c.GetAsync("/", ct);
            return (System.Diagnostics.Stopwatch.GetElapsedTime(p.SpawnedTimestamp).TotalMilliseconds, ProcFs.CpuMs(p.Pid));
        }
        finally { await StopAsync([p]); }
    }

    /// <summary>The router's sessions with a userpod: userKey → its pid.</summary>
    static async Task<Dictionary<string, int>> SessionPidsAsync(ServerProcess router, CancellationToken ct)
    {
        using var http = new HttpClient();
        return (await SessionListing.ReadAsync(http, router.BaseUri!, ct)).Where(s => s.Pid is not null).ToDictionary(s => s.UserKey, s => s.Pid!.Value);
    }

    /// <summary>
    /// The user of <paramref name="c"/> (the one session not in <paramref name="known"/>, which it joins) clicks twice, its
    /// userpod is killed, and it reloads the page: ms from the kill's end to the complete page, and the count it shows.
    /// </summary>
    async Task<(double Ms, int Count)> BackAfterKillAsync(ServerProcess router, UserClient c, HashSet<string> known, CancellationToken ct)
    {
        var added = (await SessionPidsAsync(router, ct)).Where(kv => !known.Contains(kv.Key)).ToList();
        if (added.Count != 1) throw new InvalidOperationException($"expected the user's one new session, found {added.Count}");
        var (key, pid) = added[0];
        known.Add(key);
        await c.ConnectAsync(ct);
        await c.ClickAsync(false, ct);
        await c.ClickAsync(false, ct);
        await c.CloseSocketAsync();
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        var deadline = System.Diagnostics.Stopwatch.GetTimestamp() + 10 * System.Diagnostics.Stopwatch.Frequency;
        while (ProcFs.IsAlive(pid))
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"userpod {pid} still alive 10 s after SIGKILL");
            await Task.Delay(10, ct); // another process's exit (reaped by the router): no event to wait on
        }
        var ms = await c.LoadPageAsync(App, ct);
        var count = UserClient.CountIn(c.LastPage!) ?? throw new InvalidOperationException("the page after the kill shows no count");
        if (count is not (1 or 2)) throw new InvalidOperationException($"the page after the kill shows {count}, not the user's 1 or 2: state lost");
        return (ms, count);
    }

    async Task ColdAsync(CancellationToken ct)
    {
        List<double> minimal = [], kestrel = [], direct = [], directListening = [], router = [], directCpu = [], minimalCpu = [], kestrelCpu = [];
        var r = await StartRouterAsync(ct);
        // The same router with spare userpods kept started (--warm-pool 2): a new user takes one.
        var rs = await StartRouterAsync(ct, "--warm-pool", "2");
        List<double> spare = [], recovery = [];
        var counts = new List<int>();
        var clients = new List<UserClient>();
        try
        {
            // The router's very first user also pays for the router's own first-request JIT; reported apart.
            var first = new UserClient(r.BaseUri!);
            clients.Add(first);
            var firstMs = await first.LoadPageAsync(App, ct);
            var known = (await SessionPidsAsync(r, ct)).Keys.ToHashSet();
            for (var i = 0; i < o.ColdRounds; i++)
            {
                // Interleaved so the machine's load drifts over all subjects alike.
                var (m, mc) = await ColdBareAsync("minimal", ct);
                minimal.Add(m); minimalCpu.Add(mc);
                var (sl, sc) = await ColdBareAsync("kestrel", ct);
                kestrel.Add(sl); kestrelCpu.Add(sc);
                var (total, listening, cpu) = await ColdUserpodAsync((string?)null, null, ct);
                direct.Add(total); directListening.Add(listening); directCpu.Add(cpu);
                var c = new UserClient(r.BaseUri!);
                clients.Add(c);
                router.Add(await c.LoadPageAsync(App, ct));
                var (ms, count) = await BackAfterKillAsync(r, c, known, ct);
                recovery.Add(ms);
                counts.Add(count);
                await WaitChildrenAsync(rs, i + 2, ct); // i users so far + 2 spares
                await WaitWarmPoolAsync(rs, 2, ct);     // and both warmed up
                var cs = new UserClient(rs.BaseUri!);
                clients.Add(cs);
                spare.Add(await cs.LoadPageAsync(App, ct));
            }
            var cmd = o.Command("cold");
            var bare = new Sample(minimal).Median;
            const string s = "1. new user, cold";
            _report.Add(new Row(s, "first page (median of " + o.ColdRounds + " new users)", "router", new Sample(router).Median, "ms", "bare minimal app start→response", bare, HtagwebCold, 250, cmd,
                "router already running; the userpod process is new"));
            _report.Add(new Row(s, "first page (median of " + o.ColdRounds + " new users)", "router --warm-pool 2", new Sample(spare).Median, "ms", "bare minimal app start→response", bare, HtagwebCold, 250, cmd,
                "the router keeps 2 userpods started; a new user takes one (each measured once the spares are listening again)"));
            _report.Add(new Row(s, "first page (median of " + o.ColdRounds + ")", "direct userpod", new Sample(direct).Median, "ms", "bare minimal app start→response", bare, HtagwebCold, 250, cmd,
                "spawn → htag-listening → GET /counter complete"));
            _report.Add(new Row(s, "spawn → listening (median)", "direct userpod", new Sample(directListening).Median, "ms", null, null, null, null, cmd));
            _report.Add(new Row(s, "start → first response (median)", "bare minimal app (baseline)", bare, "ms", null, null, null, null, cmd,
                "WebApplication.CreateBuilder + MapGet"));
            _report.Add(new Row(s, "start → first response (median)", "bare Kestrel app (baseline)", new Sample(kestrel).Median, "ms", null, null, null, null, cmd,
                "KestrelServer without a host + one delegate (the userpod's shape)"));
            _report.Add(new Row(s, "CPU time to first page (median)", "direct userpod", new Sample(directCpu).Median, "ms", "bare minimal app CPU to first response", new Sample(minimalCpu).Median, null, null, cmd,
                $"all threads, /proc/PID/task/*/schedstat; excludes waiting for a core; bare Kestrel app {new Sample(kestrelCpu).Median:0} ms. 20 users at once on 2 cores need at least 20 × this / 2"));
            _report.Add(new Row(s, "first page, the router's very first user", "router", firstMs, "ms", "bare minimal app start→response", bare, HtagwebCold, null, cmd,
                "includes the router's own first-request JIT"));
            var cold = new Sample(router).Median;
            _report.Add(new Row(s, $"page again after the user's userpod was killed (median of {o.ColdRounds})", "router", new Sample(recovery).Median, "ms",
                "a new user's first page, same router (median)", cold, null, null, cmd,
                $"SIGKILL once the user had clicked twice, then a reload: the router starts a new userpod, which loads the user's stored session; "
                + $"the page showed the count {string.Join("/", counts.Distinct().Order())} (2 clicks: the first one's write is always done, the second's may be lost with the process)"));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
            await StopAsync([r, rs]);
        }
    }
}
