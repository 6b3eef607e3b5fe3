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

    async Task ColdAsync(CancellationToken ct)
    {
        List<double> minimal = [], kestrel = [], direct = [], directListening = [], router = [], directCpu = [], minimalCpu = [], kestrelCpu = [];
        var r = await StartRouterAsync(ct);
        // The same router with spare userpods kept started (--warm-pool 2): a new user takes one.
        var rs = await StartRouterAsync(ct, "--warm-pool", "2");
        List<double> spare = [];
        var clients = new List<UserClient>();
        try
        {
            // The router's very first user also pays for the router's own first-request JIT; reported apart.
            var first = new UserClient(r.BaseUri!);
            clients.Add(first);
            var firstMs = await first.LoadPageAsync(App, ct);
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
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
            await StopAsync([r, rs]);
        }
    }
}
