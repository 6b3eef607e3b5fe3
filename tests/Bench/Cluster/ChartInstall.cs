using k8s;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// The chart as a deployer installs it: <c>helm install</c> of ./charts with charts/values-local.yaml (the test cluster has
/// no registry) plus a per-IP rate no single benchmark client can hit, in a namespace of its own; uninstalled (and the
/// namespace deleted, waited for) when disposed. The router is reached at its Service's cluster IP from this machine.
/// </summary>
sealed class ChartInstall : IAsyncDisposable
{
    public const string Release = "bench";

    /// <summary>Marks a value given with <c>--set-string</c> (a number helm must not read as one, e.g. an argument).</summary>
    public const string StringValue = "string:";

    /// <summary>The helm flag and value for one of the bench's values.</summary>
    public static string HelmFlag(string value) =>
        value.StartsWith(StringValue, StringComparison.Ordinal) ? "--set-string " + value[StringValue.Length..] : "--set " + value;
    public required string Namespace { get; init; }
    public required Uri Router { get; init; }
    /// <summary>Ready warm pods awaited before the users come and after they left (the size, or what a schedule asks for).</summary>
    public required int WarmPool { get; init; }
    public required IReadOnlyList<string> Values { get; init; }
    IKubernetes Kube { get; init; } = null!;

    /// <summary>
    /// Installs with <paramref name="sets"/> (the warm pool as they say: nothing = the chart's default) and waits for
    /// <paramref name="ready"/> Ready warm pods.
    /// </summary>
    public static async Task<ChartInstall> InstallAsync(IKubernetes kube, string root, IEnumerable<string> sets, int ready, CancellationToken ct)
    {
        var ns = "htk-bench-" + Guid.NewGuid().ToString("N")[..8];
        List<string> values = ["sessions.sessionsPerIpPerMinute=100000", .. sets];
        List<string> args = ["install", Release, Path.Combine(root, "charts"), "-n", ns, "--create-namespace", "-f", Path.Combine(root, "charts", "values-local.yaml"),
            "--wait", "--timeout", "5m"];
        foreach (var v in values) args.AddRange(HelmFlag(v).Split(' ', 2));
        Console.WriteLine($"  helm install {Release} ./charts -n {ns} -f charts/values-local.yaml {string.Join(' ', values.Select(HelmFlag))}");
        try { await Shell.RunAsync("helm", args, ct); }
        catch { await DeleteNamespaceAsync(kube, ns, ct); throw; }
        var svc = await kube.CoreV1.ReadNamespacedServiceAsync($"{Release}-router", ns, cancellationToken: ct);
        var router = new Uri($"http://{svc.Spec.ClusterIP}:{svc.Spec.Ports[0].Port}/");
        var install = new ChartInstall { Namespace = ns, Router = router, WarmPool = ready, Values = values, Kube = kube };
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.True(async () =>
        {
            try { return (await http.GetAsync(new Uri(router, "healthz"), ct)).IsSuccessStatusCode; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
        }, TimeSpan.FromMinutes(1), $"router {router} answering", ct);
        await install.WaitWarmPoolAsync(ct);
        return install;
    }

    /// <summary>Until the operator's warm pool holds <see cref="WarmPool"/> Ready pods.</summary>
    public Task WaitWarmPoolAsync(CancellationToken ct) => Eventually.True(async () => await ReadyWarmPodsAsync(ct) >= WarmPool,
        TimeSpan.FromMinutes(3), $"{WarmPool} warm pods Ready in {Namespace}", ct);

    public async Task<int> ReadyWarmPodsAsync(CancellationToken ct) =>
        (await Kube.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: "htagkube.io/warm=true", cancellationToken: ct)).Items
            .Count(p => p.Metadata.DeletionTimestamp is null && p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);

    /// <summary>The operator's last warnings (its log's "warn:" entries, message lines included), for a failure's report.</summary>
    public async Task<string> OperatorWarningsAsync(CancellationToken ct)
    {
        try
        {
            var log = await Shell.KubectlAsync(ct, "logs", $"deploy/{Release}-operator", "-n", Namespace, "--tail=400");
            var lines = log.Split('\n');
            var warnings = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("warn:", StringComparison.Ordinal))
                .Select(x => x.i + 1 < lines.Length ? lines[x.i + 1].Trim() : x.l).ToList();
            return string.Join(" | ", warnings.TakeLast(10));
        }
        catch (Exception e) when (e is not OperationCanceledException) { return $"(operator log unreadable: {e.Message})"; }
    }

    /// <summary>Userpod containers that restarted (a new process: the pages it served lost their instance), for a failure's report.</summary>
    public async Task<string> RestartedUserpodsAsync(CancellationToken ct)
    {
        // Every pod the operator made: session pods and warm pods.
        var pods = await Kube.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: "app.kubernetes.io/managed-by=htagkube-operator",
            cancellationToken: ct);
        var restarted = pods.Items.SelectMany(p => (p.Status?.ContainerStatuses ?? []).Where(c => c.RestartCount > 0)
            .Select(c => $"{p.Metadata.Name} ×{c.RestartCount} ({c.LastState?.Terminated?.Reason ?? "?"}, exit {c.LastState?.Terminated?.ExitCode})"))
            .ToList();
        return restarted.Count == 0 ? "none" : string.Join(", ", restarted.Take(10));
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try { await Shell.HelmAsync(cts.Token, "uninstall", Release, "-n", Namespace, "--wait", "--timeout", "3m"); }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException) { Console.Error.WriteLine($"helm uninstall in {Namespace}: {e.Message}"); }
        await DeleteNamespaceAsync(Kube, Namespace, cts.Token);
    }

    /// <summary>Deletes the namespace and waits until it is gone (its terminating pods would compete with the next scenario).</summary>
    public static async Task DeleteNamespaceAsync(IKubernetes kube, string ns, CancellationToken ct)
    {
        try
        {
            await kube.CoreV1.DeleteNamespaceAsync(ns, cancellationToken: ct);
            await Eventually.True(async () =>
            {
                try { await kube.CoreV1.ReadNamespaceAsync(ns, cancellationToken: ct); return false; }
                catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound) { return true; }
            }, TimeSpan.FromMinutes(3), $"namespace {ns} deleted", ct);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or TimeoutException or OperationCanceledException)
        {
            Console.Error.WriteLine($"namespace {ns}: {e.Message}");
        }
    }
}
