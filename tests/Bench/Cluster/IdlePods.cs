using k8s;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// What idle userpods cost as pods of the chart: N warm pods (the userpod image, warmed up, no user yet) left alone for
/// the window. Each userpod's CPU and wakeups are what the operator's pod spec (the kubelet's probes) and the userpod's
/// own timers make them; the kubelet's CPU is given beside them. The pods' processes are found on this machine, the test
/// cluster's node: the userpod image's program in docker's containers.
/// </summary>
static class IdlePods
{
    /// <summary>The userpod image's program (userpod/Dockerfile ENTRYPOINT), as /proc/PID/comm shows it.</summary>
    const string Program = "HTagKube.Demo";

    public static async Task<IdleUserpods.Result> RunAsync(IKubernetes kube, string root, IEnumerable<string> sets, int n, TimeSpan window,
        CancellationToken ct)
    {
        await using var chart = await ChartInstall.InstallAsync(kube, root, [.. sets, $"warmPool.size={n}"], n, ct);
        // The warm-up renders and the startup probes end before the window (a steady state, not the start, is measured).
        await Task.Delay(TimeSpan.FromSeconds(20), ct);
        var pids = ProcessesOf(Program, inContainer: true);
        if (pids.Count != n) throw new InvalidOperationException($"{pids.Count} {Program} processes in containers on the node, {n} warm pods expected");
        var kubelet = ProcessesOf("kubelet", inContainer: false).Single();
        var pods = (await kube.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "status.phase=Running", cancellationToken: ct)).Items.Count;
        var load0 = IdleUserpods.LoadAverage();
        var threads0 = pids.Average(IdleUserpods.Threads);
        var ticks0 = pids.Select(ProcFs.ProcessCpuMs).ToArray();
        var kubelet0 = ProcFs.ProcessCpuMs(kubelet);
        var (clock, elapsed) = await ThreadClock.OverAsync(pids, window, ct);
        var minutes = elapsed.TotalMinutes;
        var kubeletMsPerMin = (ProcFs.ProcessCpuMs(kubelet) - kubelet0) / minutes;
        var ticks1 = pids.Select(ProcFs.ProcessCpuMs).ToArray();
        var perMin = pids.Select(p => clock.RunNs(p) / 1e6 / minutes).ToList();
        var mem = pids.Select(ProcFs.Rollup).Where(m => m is not null).ToList();
        var s = new Sample(perMin);
        return new IdleUserpods.Result("as pods of the chart",
            $"warm pods (warmPool.size={n}), no user: the kubelet's probes as the operator sets them; the kubelet itself ran"
            + $" {kubeletMsPerMin:0} ms/min for the {pods} pods on the node", n, elapsed.TotalSeconds, perMin.Average(), s.Median, s.P(95),
            threads0, pids.Average(IdleUserpods.Threads), mem.Average(m => m!.PssKb) / 1024, mem.Average(m => m!.RssKb) / 1024)
        {
            WakeupsPerMinMean = pids.Average(p => clock.Wakeups(p)) / minutes,
            TickCpuMsPerMinMean = ticks1.Zip(ticks0, (a, b) => (a - b) / minutes).Average(),
            ThreadsEnded = (double)clock.Ended / n,
            LoadAverage = $"{load0} → {IdleUserpods.LoadAverage()}",
            ByThread = clock.ByName(n, minutes),
        };
    }

    /// <summary>Processes named <paramref name="comm"/>: those in the node's containers, or those outside them.</summary>
    static List<int> ProcessesOf(string comm, bool inContainer)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != comm) continue;
                if (ProcFs.InNodeContainer(File.ReadAllText(Path.Combine(dir, "cgroup"))) == inContainer) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // ended meanwhile
        }
        return found;
    }
}
