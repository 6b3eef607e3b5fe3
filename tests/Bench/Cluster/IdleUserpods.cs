using System.Globalization;
using System.Security.Cryptography;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// What an idle userpod costs the node: N NativeAOT userpods (the image's program) started on this machine with the
/// image's environment, each with a user's page loaded, its WebSocket open (pinged every 15 s, as the router pings it)
/// and one click, then left alone: CPU per minute
/// per process over a window, wakeups, threads, PSS. CPU is per thread from /proc/PID/task/TID/schedstat (run time in ns
/// and the number of times the thread was put on a CPU, i.e. its wakeups), sampled every few seconds so that a thread
/// that ends within the window keeps what it ran until its last sample; the whole-process utime + stime (10 ms clock
/// ticks) is kept beside it as a cross-check.
/// </summary>
static class IdleUserpods
{
    /// <summary>One thread name's share per userpod (threads of that name at the window's end, CPU and wakeups per minute).</summary>
    public sealed record ThreadRow(string Name, double Threads, double CpuMsPerMin, double WakeupsPerMin);

    public sealed record Result(string Variant, string How, int Userpods, double WindowSeconds, double CpuMsPerMinMean, double CpuMsPerMinMedian,
        double CpuMsPerMinP95, double ThreadsAtStart, double ThreadsAtEnd, double PssMb, double RssMb)
    {
        /// <summary>Times a thread of the userpod was put on a CPU, per minute (mean over the userpods).</summary>
        public double WakeupsPerMinMean { get; init; }
        /// <summary>The same window's CPU from utime + stime (10 ms clock ticks, exited threads included): the cross-check.</summary>
        public double TickCpuMsPerMinMean { get; init; }
        /// <summary>Threads that ended within the window, per userpod (their last few seconds are not counted).</summary>
        public double ThreadsEnded { get; init; }
        /// <summary>/proc/loadavg at the window's start and end.</summary>
        public string LoadAverage { get; init; } = "";
        public IReadOnlyList<ThreadRow> ByThread { get; init; } = [];
    }

    /// <summary>The userpod image's ENV (userpod/Dockerfile) plus the operator's pod env.</summary>
    public static readonly Dictionary<string, string?> PodEnv = new()
    {
        ["DOTNET_EnableDiagnostics"] = "0", ["DOTNET_GCgen0size"] = "400000", ["DOTNET_hostBuilder__reloadConfigOnChange"] = "false",
    };

    /// <summary>The router's ping of every userpod WebSocket it relays (its --ws-ping default, a pong due within it): an idle
    /// userpod in a pod is pinged so.</summary>
    static readonly TimeSpan RouterPing = TimeSpan.FromSeconds(15);

    public static async Task<Result> RunAsync(string exe, string variant, string how, IReadOnlyDictionary<string, string?> env, int n, TimeSpan window,
        CancellationToken ct, bool webSocket = true, bool routerPings = true)
    {
        var procs = new List<ServerProcess>();
        var clients = new List<UserClient>();
        try
        {
            // Started a few at a time: the start is not what is measured, and 200 at once would only queue on 2 cores.
            for (var i = 0; i < n; i += 10)
            {
                var batch = Enumerable.Range(i, Math.Min(10, n - i)).Select(_ => ServerProcess.Start("idle-userpod", exe, ["--urls", "http://127.0.0.1:0"], env,
                    token: Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)))).ToList();
                procs.AddRange(batch);
                var ready = await Task.WhenAll(batch.Select(async p =>
                {
                    var c = new UserClient(await p.WaitListeningAsync(ct), p.Token);
                    await c.LoadPageAsync("/counter", ct);
                    if (webSocket)
                    {
                        await c.ConnectAsync(ct, ping: routerPings ? RouterPing : null);
                        await c.ClickAsync(false, ct);
                    }
                    return c;
                }));
                clients.AddRange(ready);
            }
            await Task.Delay(TimeSpan.FromSeconds(5), ct); // let the start's own work (tiering, GC) end before the window
            var pids = procs.Select(p => p.Pid).ToArray();
            var load0 = LoadAverage();
            var threads0 = procs.Select(p => Threads(p.Pid)).Average();
            var ticks0 = pids.Select(ProcFs.ProcessCpuMs).ToArray();
            var (clock, elapsed) = await ThreadClock.OverAsync(pids, window, ct);
            var ticks1 = pids.Select(ProcFs.ProcessCpuMs).ToArray();
            var minutes = elapsed.TotalMinutes;
            var load1 = LoadAverage();
            if (procs.FirstOrDefault(p => p.HasExited) is { } dead) throw new InvalidOperationException($"an idle userpod exited during the window ({dead.Label})");
            var perMin = pids.Select(p => clock.RunNs(p) / 1e6 / minutes).ToList();
            var threads = procs.Select(p => Threads(p.Pid)).Average();
            var mem = procs.Select(p => ProcFs.Rollup(p.Pid)).Where(m => m is not null).ToList();
            var s = new Sample(perMin);
            return new Result(variant, how, n, elapsed.TotalSeconds, perMin.Average(), s.Median, s.P(95), threads0, threads,
                mem.Average(m => m!.PssKb) / 1024, mem.Average(m => m!.RssKb) / 1024)
            {
                WakeupsPerMinMean = pids.Average(p => clock.Wakeups(p)) / minutes,
                TickCpuMsPerMinMean = ticks1.Zip(ticks0, (a, b) => (a - b) / minutes).Average(),
                ThreadsEnded = (double)clock.Ended / n,
                LoadAverage = $"{load0} → {load1}",
                ByThread = clock.ByName(n, minutes),
            };
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
            await Task.WhenAll(procs.Select(p => p.StopAsync(TimeSpan.FromSeconds(5))));
        }
    }

    internal static string LoadAverage()
    {
        var f = File.ReadAllText("/proc/loadavg").Split(' ');
        return string.Join(' ', f.Take(3));
    }

    internal static int Threads(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
            return line is null ? 0 : int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException) { return 0; }
    }
}
