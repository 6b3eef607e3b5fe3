using System.Text;

namespace HTagKube.Soak;

/// <summary>docs/soak.md: what ran, on what, and the figures.</summary>
sealed class SoakReport
{
    public SoakOptions Options { get; set; } = null!;
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
    public string Machine { get; set; } = "";
    public string Commit { get; set; } = "";
    public string LoadAtStart { get; set; } = "";
    public string LoadAtEnd { get; set; } = "";
    public RouterProbe.Sample? EndOfLoad { get; set; }
    public RouterProbe.Sample? AfterIdle { get; set; }
    public TimeSpan ExpiryTook { get; set; }
    public List<(string Name, double Value)> Metrics { get; set; } = [];
    public List<string> RouterLogProblems { get; set; } = [];
    public int LeakedUserpods { get; set; }
    public int? RouteKeysAtEnd { get; set; }
    public SoakCounters Counters { get; set; } = null!;
    public ErrorTally Errors { get; set; } = null!;
    public List<RouterProbe.Sample> Samples { get; set; } = [];
    public List<string> Failures { get; set; } = [];

    public string Markdown()
    {
        var o = Options;
        var sb = new StringBuilder();
        void L(string s = "") => sb.Append(s).Append('\n');
        L($"# Soak ({(o.Redis ? "Redis" : "local")} mode)");
        L();
        L($"Written by `{o.Command}` (tests/Soak): the real router as a child process with the Demo userpods, idle timeout "
          + $"{o.IdleTimeout.TotalSeconds:0} s, warm pool 2{(o.Redis ? ", routes in a real redis-server on loopback" : ", in-memory route table")}; "
          + $"{o.Users} simulated users for {o.Minutes:0.#} min, all on loopback (the cluster soak: docs/soak-cluster.md).");
        L();
        Head(sb, Failures, StartedAt, FinishedAt, Commit);
        L($"| Machine | {Machine} |");
        L($"| Load average (1, 5, 15 min) at start / end of load | {Short(LoadAtStart)} / {Short(LoadAtEnd)} |");
        L($"| Seed | {o.Seed} (`--seed` replays the users' choices; timing does not replay) |");
        L();
        L("## What the users did");
        L();
        L("Each user arrives at a random time in the first 60 % of the run, loads /counter (a new cookie), opens the WebSocket and "
          + "clicks 3–10 times (0.2–1.5 s apart), each click's update checked to show the next count. Then it leaves for good (15 %), "
          + "or comes back with its cookie after a short absence (≤ a third of the idle timeout: the page must show its count) or "
          + "after a long one (idle timeout + 10–20 s: its session expired, the page must show its count from the durable state) or "
          + $"after one past the state's retention ({o.StateRetention.TotalSeconds:0} s; 2 × idle timeout + retention + 10–20 s: the page must show 0).");
        L();
        L("| | |");
        L("|---|---|");
        L($"| Users arrived | {Counters.Arrived} of {o.Users} |");
        L($"| Visits (page + WebSocket) | {Counters.Visits} |");
        L($"| Clicks, each checked | {Counters.Clicks} |");
        L($"| Returns within the idle timeout (state kept) | {Counters.ReturnsWithin} |");
        L($"| Returns after expiry (state restored) | {Counters.ReturnsAfterExpiry} |");
        L($"| Returns after the state's retention (fresh state) | {Counters.ReturnsForgotten} |");
        L($"| Left for good (or at the end) | {Counters.Left} |");
        L($"| Page load (router + userpod start when new) | {Counters.PagePercentiles} |");
        L($"| Click → update | {Counters.ClickPercentiles} |");
        L();
        L("## At the end");
        L();
        L("| Check | Figure |");
        L("|---|---|");
        L($"| Every session expired after the users left | {(AfterIdle is { LiveSessions: 0 } ? "yes" : "NO")}, in {ExpiryTook.TotalSeconds:0} s |");
        if (AfterIdle is { } a)
        {
            L($"| Live sessions (`htagkube_live_sessions`) = listed (`/_htagkube/sessions`){(o.Redis ? " = route keys" : "")} | {a.LiveSessions} = {a.Listed}{(a.RouteKeys is { } k ? $" = {k}" : "")} |");
            L($"| Userpods alive with the router still up (warm spares, not sessions) | {a.Userpods} |");
        }
        L($"| Userpods of this run alive after the router stopped (leaks) | {LeakedUserpods} |");
        if (RouteKeysAtEnd is { } rk) L($"| Route keys left in Redis | {rk} |");
        foreach (var (name, value) in Metrics) L($"| Router `htagkube_{name}` | {value:0} |");
        L();
        L("Userpods are counted by a marker in their environment (inherited from the router), whoever their parent is by then. "
          + (o.Redis ? "In Redis mode the route keys are counted in Redis. " : "In local mode the route table is the router's memory: sessions are compared with the listing and the live processes. "));
        L();
        L("## Errors by kind");
        L();
        sb.Append(Errors.Markdown());
        L();
        L($"Router log lines at warn/fail/crit: {(RouterLogProblems.Count == 0 ? "none" : "")}");
        foreach (var line in RouterLogProblems.Take(20)) L($"- `{line}`");
        L();
        L("## Router memory");
        L();
        var load = Samples.Where(s => EndOfLoad is null || s.At <= EndOfLoad.At).ToList();
        if (load.Count >= 2)
        {
            var first = load[0];
            var firstMinute = load.FirstOrDefault(s => s.At >= TimeSpan.FromMinutes(1)) ?? load[^1];
            L("| When | RSS MB | of it anon / file / shmem MB | PSS MB | Managed heap after a full GC, MB | Sessions |");
            L("|---|---|---|---|---|---|");
            void Row(string name, RouterProbe.Sample x) => L($"| {name} | {Mb(x.RssKb)} | {Parts(x)} | {Mb(x.PssKb)} | {Trend.MbFromBytes(x.HeapBytes)} | {x.LiveSessions} |");
            Row("Start (router ready, no user)", first);
            Row("After 1 min", firstMinute);
            Row("End of load", load[^1]);
            if (AfterIdle is { } ai) Row("Every session expired", ai);
            var secondHalf = load.Where(s => s.At >= load[^1].At / 2).ToList();
            var lastThird = load.Where(s => s.At >= load[^1].At * 2 / 3).ToList();
            L();
            L($"Trend of RSS (least squares, samples 10 s apart): {Slope(secondHalf)} MB/min over the second half of the load "
              + $"({secondHalf.Count} samples), {Slope(lastThird)} MB/min over its last third ({lastThird.Count}); peak RSS {Mb(load.Max(s => s.RssKb))} MB.");
            L();
            var withHeap = Samples.Where(s => s.HeapBytes is not null).ToList();
            L(Trend.HeapVerdict("Router", [.. withHeap.Select(s => (s.At, s.HeapBytes!.Value))], [.. withHeap.Select(s => (s.At, s.RssKb))])
              + " The heap is read over the router's diagnostics port once a minute (ManagedHeap.cs: an EventPipe session that induces a full blocking GC). "
              + RssParts.Legend);
            L();
            L("<details><summary>Samples</summary>");
            L();
            L("| t | RSS MB | anon / file / shmem MB | PSS MB | Heap after full GC MB | Sessions | Listed | Userpods |" + (o.Redis ? " Route keys |" : ""));
            L("|---|---|---|---|---|---|---|---|" + (o.Redis ? "---|" : ""));
            foreach (var s in Samples)
                L($"| {s.At:mm\\:ss} | {Mb(s.RssKb)} | {Parts(s)} | {Mb(s.PssKb)} | {Trend.MbFromBytes(s.HeapBytes)} | {s.LiveSessions} | {s.Listed} | {s.Userpods} |" + (s.RouteKeys is { } k ? $" {k} |" : ""));
            L();
            L("</details>");
        }
        return sb.ToString();
    }

    /// <summary>What the local and the cluster report open with: the verdict with its failures, then the first rows of the
    /// facts table (date, commit); each report adds its own rows after these.</summary>
    public static void Head(StringBuilder sb, IReadOnlyList<string> failures, DateTimeOffset started, DateTimeOffset finished, string commit)
    {
        sb.Append($"**Result: {(failures.Count == 0 ? "passed" : "FAILED")}**\n");
        foreach (var f in failures) sb.Append($"- {f}\n");
        sb.Append('\n');
        sb.Append("| | |\n");
        sb.Append("|---|---|\n");
        sb.Append($"| Date | {started:yyyy-MM-dd HH:mm} → {finished:HH:mm} UTC |\n");
        sb.Append($"| Commit | {commit} |\n");
    }

    static string Short(string loadavg) => string.Join(", ", loadavg.Split(' ').Take(3));
    static string Mb(long kb) => Trend.MbFromKb(kb);
    static string Parts(RouterProbe.Sample s) => s.Parts is { } p ? $"{Mb(p.AnonKb)} / {Mb(p.FileKb)} / {Mb(p.ShmemKb)}" : "";

    /// <summary>RSS slope in MB per minute (least squares), signed.</summary>
    static string Slope(List<RouterProbe.Sample> s) => Trend.Signed(Trend.MbPerMinute(s.Select(x => (x.At, x.RssKb / 1024.0))));
}
