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
        Dictionary<string, double> StepMedianMs, Dictionary<string, double> ApiPerSession, double ApiWindowSeconds, List<string> Notes,
        List<string> Failures);

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
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var sentAt = new long[clients.Length];
        var doneAt = new long[clients.Length];
        try
        {
            await Task.WhenAll(clients.Select(async (c, i) =>
            {
                var wait = TimeSpan.FromSeconds(offsetsSec[i]) - Stopwatch.GetElapsedTime(t0);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct); // open loop: the arrival schedule, not a synchronisation
                sentAt[i] = Stopwatch.GetTimestamp();
                var step = "first page";
                try
                {
                    var (ms, s) = await c.NavigateAsync("/counter", ct);
                    pages[i] = ms;
                    doneAt[i] = Stopwatch.GetTimestamp();
                    Interlocked.Add(ref starting, s);
                    step = $"page after {ms / 1000:0.00} s, then the WebSocket";
                    await c.ConnectAsync(ct);
                    step = $"page after {ms / 1000:0.00} s, then a click";
                    await c.ClickAsync(false, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // Every user is measured and every failure named (one user's failure aborted the whole wave: 2026-12-07).
                    failures.Add($"user {i} ({step}): {e.Message}");
                }
            }));
            if (failures.Count == clients.Length) throw new InvalidOperationException("every user failed: " + failures.First());
            var served = doneAt.Where(t => t != 0).ToArray();
            var allMs = Stopwatch.GetElapsedTime(t0, served.Max()).TotalMilliseconds;

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
            notes.Add(Timeline(t0, sentAt, watch, doneAt));
            if (watch.Errors.Count > 0) notes.Add("watch: " + string.Join("; ", watch.Errors.Distinct().Take(3)));
            return new Result(scenario, clients.Length, [.. pages.Where((_, i) => doneAt[i] != 0)], starting, allMs, claims, steps,
                api.Where(kv => kv.Value >= 0.05).OrderByDescending(kv => kv.Value).ToDictionary(), window, notes, [.. failures.Order()]);
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    /// <summary>
    /// When, from the first arrival, the users asked, the router's HTagSessions appeared and became Ready, and the first
    /// pages arrived (p50/p95 of each, in s): where a wave's wait sits when no one session shows it (the bench cannot tell
    /// which session is whose: the uid cookie is a secret).
    /// </summary>
    static string Timeline(long t0, long[] sentAt, NamespaceWatch w, long[] doneAt)
    {
        static string P(IEnumerable<double?> ms)
        {
            var s = new Sample([.. ms.OfType<double>()]);
            return $"{s.Median / 1000:0.00}/{s.P(95) / 1000:0.00}";
        }
        var sessions = w.Sessions.Values.ToList();
        return $"{sessions.Count} sessions, s from the first arrival, p50/p95: asked {P(sentAt.Select(t => NamespaceWatch.Ms(t0, t)))}, "
            + $"HTagSession seen {P(sessions.Select(s => NamespaceWatch.Ms(t0, s.Seen)))}, Ready {P(sessions.Select(s => NamespaceWatch.Ms(t0, s.Ready)))}, "
            + $"first page {P(doneAt.Where(t => t != 0).Select(t => NamespaceWatch.Ms(t0, t)))}";
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
