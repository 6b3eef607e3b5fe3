namespace HTagKube.Bench;

/// <summary>Scenario 3: total PSS of all userpod processes / users, at 1, 10, 50 users; bare apps as the baseline.</summary>
sealed partial class Bench
{
    /// <summary>A user as a browser leaves it: page loaded, WebSocket open, one click done.</summary>
    static async Task<UserClient> ActiveUserAsync(Uri baseUri, string? token, CancellationToken ct)
    {
        var c = new UserClient(baseUri, token);
        await c.LoadPageAsync(App, ct);
        await c.ConnectAsync(ct);
        await c.ClickAsync(false, ct);
        return c;
    }

    static ProcFs.Mem Sum(IEnumerable<int> pids)
    {
        long rss = 0, pss = 0, anon = 0, file = 0, shmem = 0, priv = 0;
        foreach (var pid in pids)
            if (ProcFs.Rollup(pid) is { } m) { rss += m.RssKb; pss += m.PssKb; anon += m.PssAnonKb; file += m.PssFileKb; shmem += m.PssShmemKb; priv += m.PrivateKb; }
        return new ProcFs.Mem(rss, pss, anon, file, shmem, priv);
    }

    async Task MemoryAsync(CancellationToken ct)
    {
        var cmd = o.Command("memory");
        const string s = "3. memory per user (PSS)";
        var router = await StartRouterAsync(ct);
        var users = new List<UserClient>();
        var bare = new List<ServerProcess>();
        var perUser = new Dictionary<int, double>();
        var bareTotalMb = new Dictionary<int, double>();
        try
        {
            foreach (var stage in o.MemoryStages)
            {
                // Add users up to the stage, 10 arriving at a time.
                while (users.Count < stage)
                {
                    var batch = Math.Min(10, stage - users.Count);
                    users.AddRange(await Task.WhenAll(Enumerable.Range(0, batch).Select(_ => ActiveUserAsync(router.BaseUri!, null, ct))));
                }
                while (bare.Count < stage)
                {
                    var batch = Enumerable.Range(0, Math.Min(10, stage - bare.Count)).Select(_ => StartBare("minimal")).ToList();
                    await Task.WhenAll(batch.Select(async p =>
                    {
                        var uri = await p.WaitListeningAsync(ct);
                        await using var c = new UserClient(uri);
                        await c.GetAsync("/", ct);
                    }));
                    bare.AddRange(batch);
                }
                // Let startup garbage and the first GCs settle before reading memory (a measurement pause, not a sync).
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                var pods = ProcFs.Children(router.Pid);
                if (pods.Count != stage) _report.Notes.Add($"memory stage {stage}: router had {pods.Count} userpod processes");
                var m = Sum(pods);
                var b = Sum(bare.Select(p => p.Pid));
                var routerMem = ProcFs.Rollup(router.Pid);
                perUser[stage] = Mb(m.PssKb) / stage;
                bareTotalMb[stage] = Mb(b.PssKb);
                _report.Add(new Row(s, $"{stage} users: total userpod PSS / users", "router (local mode)", Math.Round(perUser[stage], 2), "MB",
                    $"{stage} bare minimal apps: PSS / apps", Math.Round(Mb(b.PssKb) / stage, 2), stage == o.MemoryStages[^1] ? "7.5 MB" : null,
                    stage == o.MemoryStages[^1] ? 10 : null, cmd,
                    $"PSS anon {Mb(m.PssAnonKb) / stage:0.00} MB, shmem (JIT code double-mapping) {Mb(m.PssShmemKb) / stage:0.00} MB, file {Mb(m.PssFileKb) / stage:0.00} MB, RSS {Mb(m.RssKb) / stage:0.0} MB per userpod; router itself PSS {Mb(routerMem?.PssKb ?? 0):0.0} MB"));
                if (stage == o.MemoryStages[^1] && o.MemoryStages.Length > 1)
                {
                    var prev = o.MemoryStages[^2];
                    var slope = (perUser[stage] * stage - perUser[prev] * prev) / (stage - prev);
                    var bSlope = (bareTotalMb[stage] - bareTotalMb[prev]) / (stage - prev);
                    _report.Add(new Row(s, $"marginal: Δ total PSS / Δ users ({prev}→{stage})", "router (local mode)", Math.Round(slope, 2), "MB",
                        "bare minimal apps, same Δ", Math.Round(bSlope, 2), "7.5 MB", 10, cmd));
                    // Where one userpod's memory goes, beside one bare app's.
                    _report.MemoryBreakdownKb["userpod (one of " + stage + ")"] = ProcFs.PssByCategory(pods[0]);
                    _report.MemoryBreakdownKb["bare minimal app (one of " + stage + ")"] = ProcFs.PssByCategory(bare[0].Pid);
                }
            }
        }
        finally
        {
            foreach (var u in users) await u.DisposeAsync();
            await StopAsync([router, .. bare]);
        }
    }
}
