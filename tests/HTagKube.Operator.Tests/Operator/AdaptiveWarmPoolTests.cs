using System.Globalization;
using HTagKube.Api.V1Alpha1;
using HTagKube.Operator.Tests.Infrastructure;
using HTagKube.Operator.Warm;
using k8s;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>
/// The operator program with an adaptive pool of 1..8: a 10 s arrival window and a 5 s shrink delay, so a test sees a
/// burst and the quiet after it within a minute or two (the defaults are 60 s and 5 min).
/// </summary>
public sealed class AdaptiveWarmPoolFixture : OperatorFixture
{
    public const int Min = 1, Max = 8;
    protected override string[] OperatorArgs =>
        ["--warm-pool", Min.ToString(CultureInfo.InvariantCulture), "--warm-pool-max", Max.ToString(CultureInfo.InvariantCulture),
         "--warm-pool-window", "10s", "--warm-pool-shrink-delay", "5s", "--warm-pool-status", StatusConfigMap];

    /// <summary>The ConfigMap the pool writes its state into (the chart makes it; here the test does).</summary>
    public const string StatusConfigMap = "warm-pool";
}

/// <summary>
/// The operator program with no fixed pool and a schedule active from a minute ago (every day, for 10 minutes,
/// 3 pods): it pre-warms at start.
/// </summary>
public sealed class ScheduledWarmPoolFixture : OperatorFixture
{
    public const int Scheduled = 3;
    readonly string _schedule = $"* {DateTimeOffset.UtcNow.AddMinutes(-1):HH:mm} {Scheduled} 10m";
    protected override string[] OperatorArgs => ["--warm-pool", "0", "--warm-pool-schedule", _schedule];
}

/// <summary>Shared by both: warm pods and the pool's gauges as a deployer reads them.</summary>
static class Pool
{
    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    public static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(240)).Token;

    /// <summary>The operator's last log lines into the test's output.</summary>
    public static void WriteLog(OperatorFixture f, ITestOutputHelper output)
    {
        if (f.Operator is null) return;
        foreach (var line in f.Operator.Log.TakeLast(30)) output.WriteLine(line);
    }

    public static async Task<int> ReadyWarmAsync(OperatorFixture f) =>
        (await f.Client.CoreV1.ListNamespacedPodAsync(f.Namespace, labelSelector: $"{WarmPodManifests.WarmLabel}={WarmPodManifests.Warm}", cancellationToken: Ct))
            .Items.Count(p => WarmPodManifests.IsWarm(p) && Pods.PodHealth.IsReady(p));

    public static async Task<double> GaugeAsync(OperatorFixture f, string name)
    {
        var text = await Http.GetStringAsync(new Uri(f.Operator.Url, "/metrics"));
        return text.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture)).Single();
    }
}

[TestCaseOrderer("HTagKube.Operator.Tests.Infrastructure.DeclarationOrderer", "HTagKube.Operator.Tests")]
public sealed class AdaptiveWarmPoolTests(AdaptiveWarmPoolFixture f, ITestOutputHelper output) : IClassFixture<AdaptiveWarmPoolFixture>, IDisposable
{
    public void Dispose() => Pool.WriteLog(f, output);

    async Task<IDictionary<string, string>> StatusAsync() =>
        (await f.Client.CoreV1.ReadNamespacedConfigMapAsync(AdaptiveWarmPoolFixture.StatusConfigMap, f.Namespace, cancellationToken: Pool.Ct)).Data
        ?? new Dictionary<string, string>();

    [ClusterFact]
    public async Task A_burst_grows_the_pool_at_once_and_a_quiet_period_shrinks_it()
    {
        // Made after the operator started: the pool writes it at its next change.
        await f.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new k8s.Models.V1ConfigMap { Metadata = new() { Name = AdaptiveWarmPoolFixture.StatusConfigMap } }, f.Namespace, cancellationToken: Pool.Ct);
        await Eventually.True(async () => await Pool.ReadyWarmAsync(f) >= AdaptiveWarmPoolFixture.Min, TimeSpan.FromSeconds(120), "the minimum pool Ready");
        Assert.Equal(AdaptiveWarmPoolFixture.Min, await Pool.GaugeAsync(f, "htagkube_warm_pool_target"));

        // A burst sized from the start time the operator measured (a quiet node starts a pod in about a second, a busy
        // one in several): n sessions at once = n/10 per second over the 10 s window, and the sizer wants
        // ceil(rate × start × 1.5) pods, so n = 30 / (1.5 × start) asks for at least 3.
        var start = Math.Max(0.5, await Pool.GaugeAsync(f, "htagkube_warm_pool_start_seconds"));
        var burst = Math.Min(40, (int)Math.Ceiling(30 / (1.5 * start)) + 1);
        output.WriteLine($"measured start {start:0.00} s: a burst of {burst} sessions");
        var sessions = Enumerable.Range(0, burst).Select(_ => f.NewSession()).ToList();
        await Task.WhenAll(sessions.Select(s => f.Client.CreateSessionAsync(s, Pool.Ct)));
        double peak = 0;
        await Eventually.True(async () => (peak = await Pool.GaugeAsync(f, "htagkube_warm_pool_target")) >= 3, TimeSpan.FromSeconds(30),
            "the target grown by the burst", state: async () => $"target {peak}");
        Assert.True(await Pool.GaugeAsync(f, "htagkube_warm_pool_arrivals_per_second") > 0);
        // The pool itself grows to it (pods created together, not one per pass).
        await Eventually.True(async () => await Pool.ReadyWarmAsync(f) >= 3, TimeSpan.FromSeconds(120), "3 or more warm pods Ready after the burst",
            state: async () => $"{await Pool.ReadyWarmAsync(f)} Ready");
        // What a deployer reads with kubectl get configmap -o yaml: the grown target (a change written at once; the rate
        // may be 0 again by now: the test's window is 10 s) and the bounds.
        IDictionary<string, string> status = new Dictionary<string, string>();
        await Eventually.True(async () => (status = await StatusAsync()).TryGetValue("target", out var t) && int.Parse(t, CultureInfo.InvariantCulture) >= 3,
            TimeSpan.FromSeconds(30), "the status ConfigMap showing the grown target", state: async () => string.Join(", ", await StatusAsync()));
        Assert.Equal($"{AdaptiveWarmPoolFixture.Min}..{AdaptiveWarmPoolFixture.Max}", status["bounds"]);
        Assert.Equal(["arrivalsPerSecond", "bounds", "ready", "scheduled", "sessionsStarting", "startSeconds", "starting", "target", "updated"],
            status.Keys.Order(StringComparer.Ordinal)); // the keys docs/deploy.md names
        Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(status["updated"], CultureInfo.InvariantCulture) < TimeSpan.FromMinutes(2));
        foreach (var s in sessions)
            await Eventually.True(async () => (await f.Client.ReadSessionAsync(f.Namespace, s.Metadata.Name, Pool.Ct)).Status?.Phase == SessionPhase.Ready,
                TimeSpan.FromSeconds(120), $"session {s.Metadata.Name} Ready");

        // Quiet: the window empties, after the shrink delay the target steps down (one pod per 30 s) and the pool with it.
        double target = peak;
        await Eventually.True(async () =>
        {
            target = await Pool.GaugeAsync(f, "htagkube_warm_pool_target");
            peak = Math.Max(peak, target); // the burst may still have been raising it when first seen
            return target < peak;
        }, TimeSpan.FromSeconds(90), "the target shrinking after the burst", state: async () => $"target {target}, peak {peak}");
        await Eventually.True(async () => await Pool.ReadyWarmAsync(f) <= target, TimeSpan.FromSeconds(60), "extra warm pods deleted",
            state: async () => $"{await Pool.ReadyWarmAsync(f)} Ready for a target of {target}");
        Assert.Contains(f.Operator.Log, l => l.Contains("warm pool: target", StringComparison.Ordinal));
    }
}

public sealed class ScheduledWarmPoolTests(ScheduledWarmPoolFixture f, ITestOutputHelper output) : IClassFixture<ScheduledWarmPoolFixture>, IDisposable
{
    public void Dispose() => Pool.WriteLog(f, output);

    [ClusterFact]
    public async Task A_schedule_pre_warms_the_pool_with_no_session_asking()
    {
        await Eventually.True(async () => await Pool.ReadyWarmAsync(f) == ScheduledWarmPoolFixture.Scheduled, TimeSpan.FromSeconds(150),
            $"{ScheduledWarmPoolFixture.Scheduled} scheduled warm pods Ready", state: async () => $"{await Pool.ReadyWarmAsync(f)} Ready");
        Assert.Equal(ScheduledWarmPoolFixture.Scheduled, await Pool.GaugeAsync(f, "htagkube_warm_pool_target"));
        Assert.Empty((await f.Client.ListSessionsAsync(f.Namespace, null, Pool.Ct)).Items);
    }
}
