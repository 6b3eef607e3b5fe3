using System.Collections.Concurrent;
using HTagKube.Kubernetes;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Tests.Infrastructure;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Kubernetes;

/// <summary>The controller runtime against real ConfigMaps: queue semantics, backoff, owners, the finalizer.</summary>
public sealed class ControllerTests(KubeFixture kube, ITestOutputHelper output) : IClassFixture<KubeFixture>
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    const string Finalizer = "test.htagkube.io/cleanup";

    sealed class Recorder(int failFirst, TimeSpan work) : IEntityController<V1ConfigMap>, IEntityFinalizer<V1ConfigMap>
    {
        public readonly ConcurrentDictionary<string, int> Reconciles = new();
        public readonly ConcurrentDictionary<string, List<DateTime>> Attempts = new();
        public readonly ConcurrentQueue<string> Deleted = new();
        public readonly ConcurrentQueue<string> Cleaned = new();
        readonly ConcurrentDictionary<string, int> _inFlight = new();
        public volatile bool Overlap;

        /// <summary>While set, reconciles wait for it after recording their attempt: a slow reconcile the test ends.</summary>
        public volatile TaskCompletionSource? Hold;
        public int Held;

        public string Identifier => Finalizer;

        public async Task<ReconcileResult> ReconcileAsync(V1ConfigMap e, CancellationToken ct)
        {
            var key = e.Metadata.Name!;
            if (_inFlight.AddOrUpdate(key, 1, (_, n) => n + 1) > 1) Overlap = true;
            try
            {
                var attempts = Attempts.GetOrAdd(key, _ => []);
                lock (attempts) attempts.Add(DateTime.UtcNow);
                if (Hold is { } hold)
                {
                    Interlocked.Increment(ref Held);
                    await hold.Task.WaitAsync(ct);
                }
                if (work > TimeSpan.Zero) await Task.Delay(work, ct); // simulated slow reconcile, to provoke overlap
                if (key.StartsWith("fail", StringComparison.Ordinal) && attempts.Count <= failFirst) throw new InvalidOperationException("planned failure");
                if (e.Metadata.DeletionTimestamp is not null) Overlap = true; // deleting objects go to the finalizer, never here
                Reconciles.AddOrUpdate(key, 1, (_, n) => n + 1);
                return ReconcileResult.Done;
            }
            finally { _inFlight.AddOrUpdate(key, 0, (_, n) => n - 1); }
        }

        public Task<V1ConfigMap> FinalizeAsync(V1ConfigMap e, CancellationToken ct)
        {
            Cleaned.Enqueue(e.Metadata.Name);
            return Task.FromResult(e);
        }

        public Task DeletedAsync(V1ConfigMap e, CancellationToken ct)
        {
            Deleted.Enqueue(e.Metadata.Name!);
            return Task.CompletedTask;
        }
    }

    (EntityController<V1ConfigMap>, Task, CancellationTokenSource) Start(Recorder r, string label, bool ownsConfigMaps = false, bool finalizer = false)
    {
        var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var log = new TestLogger(output);
        var informer = new Informer<V1ConfigMap>(kube.Client, ConfigMapKind.ConfigMaps, new InformerOptions { Namespace = kube.Namespace, LabelSelector = $"ctl={label}" }, log);
        var ctl = new EntityController<V1ConfigMap>(kube.Client, ConfigMapKind.ConfigMaps, informer, r, finalizer ? r : null, new ControllerOptions
        {
            Workers = 4, BackoffBase = TimeSpan.FromMilliseconds(200), BackoffMax = TimeSpan.FromSeconds(5),
        }, log);
        if (ownsConfigMaps) ctl.Owns(new Informer<V1ConfigMap>(kube.Client, ConfigMapKind.ConfigMaps, new InformerOptions { Namespace = kube.Namespace, LabelSelector = $"owned-by={label}" }, log));
        return (ctl, ctl.LeadAsync(cts.Token), cts);
    }

    static V1ConfigMap Cm(string name, string label) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["ctl"] = label } },
        Data = new Dictionary<string, string> { ["v"] = "0" },
    };

    Task<V1ConfigMap> CreateAsync(V1ConfigMap cm, CancellationToken ct) => kube.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, kube.Namespace, cancellationToken: ct);

    Task DeleteAsync(string name, CancellationToken ct) => kube.Client.CoreV1.DeleteNamespacedConfigMapAsync(name, kube.Namespace, cancellationToken: ct);

    [ClusterFact]
    public async Task Reconciles_creates_and_updates_one_at_a_time_per_key_and_reports_deletion()
    {
        var r = new Recorder(0, TimeSpan.FromMilliseconds(50));
        var (_, run, cts) = Start(r, "flow");
        await CreateAsync(Cm("a", "flow"), cts.Token);
        await Eventually.True(() => r.Reconciles.GetValueOrDefault("a") >= 1, Wait, "a reconciled");

        // A burst of updates while a reconcile is in flight (held until the burst is sent, whatever the machine's
        // speed): deduplicated, never concurrent for one key.
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        r.Hold = hold;
        for (var i = 1; i <= 10; i++)
        {
            await kube.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"v\":\"" + i + "\"}}", V1Patch.PatchType.MergePatch),
                "a", kube.Namespace, cancellationToken: cts.Token);
            if (i == 1) await Eventually.True(() => Volatile.Read(ref r.Held) >= 1, Wait, "the first update's reconcile in flight");
        }
        r.Hold = null;
        hold.SetResult();
        await Eventually.True(() => r.Attempts["a"].Count >= 2, Wait, "updates reconciled");
        await DeleteAsync("a", cts.Token);
        await Eventually.True(() => r.Deleted.Contains("a"), Wait, "DeletedAsync called");

        Assert.False(r.Overlap, "two reconciles of one key ran at the same time");
        Assert.True(r.Attempts["a"].Count < 11, $"updates were not de-duplicated ({r.Attempts["a"].Count} reconciles for 11 events)");
        cts.Cancel();
        await run;
    }

    [ClusterFact]
    public async Task Failing_reconcile_is_retried_with_growing_backoff_then_succeeds()
    {
        var r = new Recorder(failFirst: 4, TimeSpan.Zero);
        var (ctl, run, cts) = Start(r, "backoff");
        await CreateAsync(Cm("fail-1", "backoff"), cts.Token);
        await Eventually.True(() => r.Reconciles.GetValueOrDefault("fail-1") == 1, Wait, "success after retries");

        var t = r.Attempts["fail-1"];
        Assert.Equal(5, t.Count);
        var gaps = t.Zip(t.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToArray();
        output.WriteLine("gaps ms: " + string.Join(", ", gaps.Select(g => g.ToString("F0"))));
        // base 200 ms, doubling, jitter in [d/2, d]: 100-200, 200-400, 400-800, 800-1600 ms. A retry never comes
        // before its delay (the lower bounds show the requeue is rate-limited and growing); a loaded machine can
        // make it later (a first retry came after 962 ms once in CI), so the upper bounds only catch a runaway.
        // The exact delays are WorkQueueTests' (Backoff_doubles_with_jitter_and_is_capped).
        double[] least = [100, 200, 400, 800], most = [200, 400, 800, 1600];
        for (var i = 0; i < 4; i++) Assert.InRange(gaps[i], least[i] - 10, most[i] + 3000);
        Assert.Equal(0, ctl.Queue.Failures($"{kube.Namespace}/fail-1")); // forgotten after success
        cts.Cancel();
        await run;
    }

    [ClusterFact]
    public async Task Owned_object_events_enqueue_the_owner()
    {
        var r = new Recorder(0, TimeSpan.Zero);
        var (_, run, cts) = Start(r, "owner", ownsConfigMaps: true);
        var owner = await CreateAsync(Cm("parent", "owner"), cts.Token);
        await Eventually.True(() => r.Reconciles.GetValueOrDefault("parent") == 1, Wait, "parent reconciled");

        var child = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = "child", Labels = new Dictionary<string, string> { ["owned-by"] = "owner" },
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "parent", Uid = owner.Metadata.Uid, Controller = true }],
            },
        };
        await CreateAsync(child, cts.Token);
        await Eventually.True(() => r.Reconciles.GetValueOrDefault("parent") == 2, Wait, "child creation re-reconciles the parent");
        await DeleteAsync("child", cts.Token);
        await Eventually.True(() => r.Reconciles.GetValueOrDefault("parent") == 3, Wait, "child deletion re-reconciles the parent");
        Assert.False(r.Reconciles.ContainsKey("child")); // not selected by the controller itself
        cts.Cancel();
        await run;
    }

    [ClusterFact]
    public async Task Finalizer_is_added_before_the_first_reconcile_and_holds_deletion_until_it_ran()
    {
        var c = kube.Client;
        var r = new Recorder(0, TimeSpan.Zero);
        var (_, run, cts) = Start(r, "fin", finalizer: true);
        await CreateAsync(Cm("fin-1", "fin"), cts.Token);
        await Eventually.True(() => r.Reconciles.GetValueOrDefault("fin-1") >= 1, Wait, "reconciled");
        Assert.Contains(Finalizer, (await c.CoreV1.ReadNamespacedConfigMapAsync("fin-1", kube.Namespace, cancellationToken: cts.Token)).Metadata.Finalizers);

        await DeleteAsync("fin-1", cts.Token);
        await Eventually.True(async () => await c.CoreV1.ReadNamespacedConfigMapAsync("fin-1", kube.Namespace, cancellationToken: cts.Token)
            .OrNullIfNotFound() is null, Wait, "object gone");
        Assert.False(r.Overlap, "a deleting object was reconciled (or two reconciles overlapped)");
        Assert.Equal(["fin-1"], r.Cleaned);
        await Eventually.True(() => r.Deleted.Contains("fin-1"), Wait, "DeletedAsync after the finalizer");
        cts.Cancel();
        await run;
    }
}
