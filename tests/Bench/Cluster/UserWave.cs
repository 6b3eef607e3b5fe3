using System.Diagnostics;
using k8s;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// New users arriving open-loop at given offsets (each a fresh browser: no cookie, a navigation that follows the
/// "starting" page) on an installed chart; every user then clicks once over the app's WebSocket, so a page that is
/// not a working session fails the run. Around it: the namespace watch (where each start spends its time) and the
/// API server's request counts (background subtracted).
/// </summary>
static class UserWave
{
    public sealed record Result(
        string Scenario, int Users, double[] FirstPageMs, int StartingPages, double AllPagesMs, int WarmClaims,
        Dictionary<string, double> StepMedianMs, Dictionary<string, double> ApiPerSession, double ApiWindowSeconds, List<string> Notes);

    static readonly TimeSpan Quiet = TimeSpan.FromSeconds(15);

    public static async Task<Result> RunAsync(IKubernetes kube, ChartInstall chart, string scenario, double[] offsetsSec, CancellationToken ct)
    {
        var notes = new List<string>();
        await using var watch = await NamespaceWatch.StartAsync(kube, chart.Namespace, sessions: true, ct);
        // Background: the same counter over a quiet window (no user) just before.
        var quietStart = await ApiRequests.ReadAsync(ct);
        var quietClock = Stopwatch.StartNew();
        await Task.Delay(Quiet, ct); // a measuring window, not synchronisation
        var before = await ApiRequests.ReadAsync(ct);
        var background = before.Since(quietStart);
        var quietSeconds = quietClock.Elapsed.TotalSeconds;
        var windowClock = Stopwatch.StartNew();

        var t0 = Stopwatch.GetTimestamp();
        var clients = offsetsSec.Select(_ => new UserClient(chart.Router)).ToArray();
        var pages = new double[clients.Length];
        var starting = 0;
        var doneAt = new long[clients.Length];
        try
        {
            await Task.WhenAll(clients.Select(async (c, i) =>
            {
                var wait = TimeSpan.FromSeconds(offsetsSec[i]) - Stopwatch.GetElapsedTime(t0);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct); // open loop: the arrival schedule, not a synchronisation
                var (ms, s) = await c.NavigateAsync("/counter", ct);
                pages[i] = ms;
                doneAt[i] = Stopwatch.GetTimestamp();
                Interlocked.Add(ref starting, s);
                await c.ConnectAsync(ct);
                await c.ClickAsync(false, ct);
            }));
            var allMs = Stopwatch.GetElapsedTime(t0, doneAt.Max()).TotalMilliseconds;

            // The start path is over when the operator has refilled its pool (the refills are part of each claim's cost). Seen
            // through the watch: polling the API for it counted up to 8 LIST pods per session as the system's (2026-12-07).
            try
            {
                await Eventually.True(() => Task.FromResult(watch.ReadyWarmPods >= chart.WarmPool), TimeSpan.FromMinutes(3),
                    $"{chart.WarmPool} warm pods Ready in {chart.Namespace}", ct);
            }
            catch (TimeoutException e) { notes.Add(e.Message); }
            await Eventually.True(() => Task.FromResult(watch.Sessions.Count >= clients.Length && watch.Sessions.Values.All(s => s.Ready is not null)),
                TimeSpan.FromMinutes(2), $"{clients.Length} HTagSessions Ready", ct);
            var after = await ApiRequests.ReadAsync(ct);
            var window = windowClock.Elapsed.TotalSeconds;
            var api = after.Since(before).ToDictionary(kv => kv.Key,
                kv => Math.Max(0, kv.Value - background.GetValueOrDefault(kv.Key) * window / quietSeconds) / clients.Length);

            var (steps, claims) = Steps(watch);
            if (watch.Errors.Count > 0) notes.Add("watch: " + string.Join("; ", watch.Errors.Distinct().Take(3)));
            return new Result(scenario, clients.Length, pages, starting, allMs, claims, steps,
                api.Where(kv => kv.Value >= 0.05).OrderByDescending(kv => kv.Value).ToDictionary(), window, notes);
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    /// <summary>Median of each step over the sessions of the wave (cold starts and warm claims apart).</summary>
    static (Dictionary<string, double>, int) Steps(NamespaceWatch w)
    {
        var steps = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        void Add(string step, double? ms) { if (ms is { } v && v >= 0) (steps.TryGetValue(step, out var l) ? l : steps[step] = []).Add(v); }
        var claims = 0;
        foreach (var s in w.Sessions.Values)
        {
            if (s.Pod is null || !w.Pods.TryGetValue(s.Pod, out var pod)) continue;
            if (pod.Warm && pod.Seen < s.Seen)
            {
                claims++;
                Add("warm claim: HTagSession seen → Ready (claim + route published)", NamespaceWatch.Ms(s.Seen, s.Ready));
                continue;
            }
            Add("cold: HTagSession seen → its pod seen (operator: Secret + pod create)", NamespaceWatch.Ms(s.Seen, pod.Seen));
            Add("cold: pod seen → scheduled", NamespaceWatch.Ms(pod.Seen, pod.Scheduled));
            Add("cold: scheduled → container running (kubelet, docker)", NamespaceWatch.Ms(pod.Scheduled ?? pod.Seen, pod.Running));
            Add("cold: running → pod Ready (startup probe)", NamespaceWatch.Ms(pod.Running ?? pod.Seen, pod.Ready));
            Add("cold: pod Ready → HTagSession Ready (operator: route published, status)", NamespaceWatch.Ms(pod.Ready ?? pod.Seen, s.Ready));
            Add("cold: HTagSession seen → Ready (total)", NamespaceWatch.Ms(s.Seen, s.Ready));
        }
        return (steps.ToDictionary(kv => kv.Key + $" (n={kv.Value.Count})", kv => new Sample(kv.Value).Median), claims);
    }
}
