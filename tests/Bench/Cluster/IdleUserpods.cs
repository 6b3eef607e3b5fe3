using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// What an idle userpod costs the node: N NativeAOT userpods (the image's program) started on this machine with the
/// image's environment, each with a user's page loaded, its WebSocket open and one click, then left alone: CPU per minute
/// per process over a window (/proc schedstat of every thread), threads, PSS.
/// </summary>
static class IdleUserpods
{
    public sealed record Result(string Variant, string How, int Userpods, double WindowSeconds, double CpuMsPerMinMean, double CpuMsPerMinMedian,
        double CpuMsPerMinP95, double ThreadsAtStart, double ThreadsAtEnd, double PssMb, double RssMb);

    /// <summary>The userpod image's ENV (userpod/Dockerfile) plus the operator's pod env.</summary>
    public static readonly Dictionary<string, string?> PodEnv = new()
    {
        ["DOTNET_EnableDiagnostics"] = "0", ["DOTNET_GCgen0size"] = "400000", ["DOTNET_hostBuilder__reloadConfigOnChange"] = "false",
    };

    public static async Task<Result> RunAsync(string exe, string variant, string how, IReadOnlyDictionary<string, string?> env, int n, TimeSpan window, CancellationToken ct)
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
                    await c.ConnectAsync(ct);
                    await c.ClickAsync(false, ct);
                    return c;
                }));
                clients.AddRange(ready);
            }
            await Task.Delay(TimeSpan.FromSeconds(5), ct); // let the start's own work (tiering, GC) end before the window
            // Whole-process CPU (exited threads included: idle thread-pool threads retire within the window, and the live
            // threads' schedstat would lose their time); 10 ms ticks, so the mean over all userpods is the figure, the
            // per-process spread is coarse.
            var threads0 = procs.Select(p => Threads(p.Pid)).Average();
            var cpu0 = procs.Select(p => ProcFs.ProcessCpuMs(p.Pid)).ToArray();
            var clock = Stopwatch.StartNew();
            await Task.Delay(window, ct); // the measuring window
            var cpu1 = procs.Select(p => ProcFs.ProcessCpuMs(p.Pid)).ToArray();
            var minutes = clock.Elapsed.TotalMinutes;
            if (procs.FirstOrDefault(p => p.HasExited) is { } dead) throw new InvalidOperationException($"an idle userpod exited during the window ({dead.Label})");
            var perMin = cpu1.Zip(cpu0, (a, b) => (a - b) / minutes).ToList();
            var threads = procs.Select(p => Threads(p.Pid)).Average();
            var mem = procs.Select(p => ProcFs.Rollup(p.Pid)).Where(m => m is not null).ToList();
            var s = new Sample(perMin);
            return new Result(variant, how, n, clock.Elapsed.TotalSeconds, perMin.Average(), s.Median, s.P(95), threads0, threads,
                mem.Average(m => m!.PssKb) / 1024, mem.Average(m => m!.RssKb) / 1024);
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
            await Task.WhenAll(procs.Select(p => p.StopAsync(TimeSpan.FromSeconds(5))));
        }
    }

    static int Threads(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
            return line is null ? 0 : int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException) { return 0; }
    }
}
