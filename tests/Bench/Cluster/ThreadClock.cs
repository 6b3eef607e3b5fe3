using System.Diagnostics;
using System.Globalization;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// Every thread's schedstat over a window, by process and thread id: run time in ns and the number of times the thread
/// was put on a CPU (its wakeups). Sampled every few seconds, so that a thread that ends keeps what it ran until then.
/// </summary>
sealed class ThreadClock
{
    sealed class Thread(string name, long ns0, long slices0)
    {
        public string Name { get; } = name;
        public long Ns0 { get; } = ns0;
        public long Slices0 { get; } = slices0;
        public long Ns { get; set; } = ns0;
        public long Slices { get; set; } = slices0;
        public bool Live { get; set; } = true;
    }

    readonly Dictionary<(int Pid, int Tid), Thread> _threads = [];

    /// <summary>How often the threads are read within a window: a thread that ends loses only what it ran since.</summary>
    static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(5);

    /// <summary>Samples the threads of <paramref name="pids"/> through <paramref name="window"/>: the clock, and the window's
    /// measured length.</summary>
    public static async Task<(ThreadClock Clock, TimeSpan Elapsed)> OverAsync(IReadOnlyList<int> pids, TimeSpan window, CancellationToken ct)
    {
        var clock = new ThreadClock();
        clock.Sample(pids, first: true);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed + SampleEvery < window)
        {
            await Task.Delay(SampleEvery, ct);
            clock.Sample(pids, first: false);
        }
        await Task.Delay(window - watch.Elapsed, ct);
        clock.Sample(pids, first: false);
        return (clock, watch.Elapsed);
    }

    /// <summary>Reads every thread of <paramref name="pids"/>; one first seen after the <paramref name="first"/> read was
    /// born within the window, so all it ran counts (its schedstat started at zero).</summary>
    public void Sample(IEnumerable<int> pids, bool first)
    {
        foreach (var t in _threads.Values) t.Live = false;
        foreach (var pid in pids)
        {
            IEnumerable<string> tasks;
            try { tasks = Directory.EnumerateDirectories($"/proc/{pid}/task").ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var dir in tasks)
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)) continue;
                try
                {
                    var f = File.ReadAllText(Path.Combine(dir, "schedstat")).Split(' ');
                    long ns = long.Parse(f[0], CultureInfo.InvariantCulture), slices = long.Parse(f[2], CultureInfo.InvariantCulture);
                    if (!_threads.TryGetValue((pid, tid), out var t))
                    {
                        var name = File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n');
                        _threads[(pid, tid)] = t = first ? new Thread(name, ns, slices) : new Thread(name, 0, 0);
                    }
                    t.Ns = ns;
                    t.Slices = slices;
                    t.Live = true;
                }
                catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException) { } // ended meanwhile
            }
        }
    }

    public long RunNs(int pid) => _threads.Where(kv => kv.Key.Pid == pid).Sum(kv => kv.Value.Ns - kv.Value.Ns0);
    public long Wakeups(int pid) => _threads.Where(kv => kv.Key.Pid == pid).Sum(kv => kv.Value.Slices - kv.Value.Slices0);
    public int Ended => _threads.Values.Count(t => !t.Live);

    public List<IdleUserpods.ThreadRow> ByName(int userpods, double minutes) =>
    [
        .. _threads.Values.GroupBy(t => t.Name)
            .Select(g => new IdleUserpods.ThreadRow(g.Key, (double)g.Count(t => t.Live) / userpods, g.Sum(t => t.Ns - t.Ns0) / 1e6 / userpods / minutes,
                g.Sum(t => t.Slices - t.Slices0) / (double)userpods / minutes))
            .OrderByDescending(r => r.CpuMsPerMin),
    ];
}
