using System.Globalization;
using HTagKube.Bench;
using HTagKube.Routing;

namespace HTagKube.Soak;

/// <summary>Reads the router from outside: its /metrics, its session listing, its memory in /proc, and its userpods.</summary>
sealed class RouterProbe(ServerProgram router, string marker, string run, string? redis) : IDisposable
{
    readonly HttpClient _http = new() { BaseAddress = router.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>One reading; <c>HeapBytes</c>: the router's managed heap right after a full GC (only on samples that asked for it).</summary>
    public sealed record Sample(TimeSpan At, long RssKb, long PssKb, int LiveSessions, int Listed, int Userpods, int? RouteKeys, long? HeapBytes = null, RssParts? Parts = null);

    /// <summary>One reading of the router, stamped <paramref name="at"/> (the run's clock).</summary>
    /// <param name="at">When, on the run's clock.</param>
    /// <param name="ct">Stops the reading.</param>
    /// <param name="heap">Also read the managed heap after a full GC (<see cref="ManagedHeap"/>): it induces that GC, so
    /// not on every sample; RSS is read first, as the process left it.</param>
    public async Task<Sample> SampleAsync(TimeSpan at, CancellationToken ct, bool heap = false)
    {
        var mem = ProcFs.Rollup(router.Pid);
        var parts = RssParts.Read(router.Pid);
        var metrics = await MetricsAsync(ct);
        var heapBytes = heap ? (await ManagedHeap.ReadAsync(router.Pid, ct))?.Total : null;
        return new Sample(at, mem?.RssKb ?? 0, mem?.PssKb ?? 0, (int)Value(metrics, "htagkube_live_sessions"),
            (await ListedAsync(ct)).Count, Userpods().Length, redis is null ? null : await RouteKeysAsync(ct), heapBytes, parts);
    }

    public Task<string> MetricsAsync(CancellationToken ct) => _http.GetStringAsync("metrics", ct);

    /// <summary>The pids of <c>/_htagkube/sessions</c> (null for a session without one).</summary>
    public async Task<List<int?>> ListedAsync(CancellationToken ct) =>
        [.. (await SessionListing.ReadAsync(_http, router.BaseAddress, ct)).Select(s => s.Pid)];

    /// <summary>Live Demo userpods started by this run's router (they inherit its marker), whoever their parent is now.</summary>
    public int[] Userpods() => ProcessTree.WithEnvironment(marker, run, "HTagKube.Demo.dll");

    /// <summary>Route keys in Redis (Redis mode).</summary>
    public async Task<int> RouteKeysAsync(CancellationToken ct)
    {
        await using var table = await RedisRouteTable.ConnectAsync(redis!);
        var n = 0;
        await foreach (var _ in table.ListAsync(ct)) n++;
        return n;
    }

    /// <summary>Sum of every series of <paramref name="name"/> (all label sets) in Prometheus text.</summary>
    public static double Value(string metrics, string name, string? labelContains = null)
    {
        double sum = 0;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal)) continue;
            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{')) continue;
            if (labelContains is not null && !rest.Contains(labelContains, StringComparison.Ordinal)) continue;
            sum += double.Parse(rest[(rest.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return sum;
    }

    public void Dispose() => _http.Dispose();
}
