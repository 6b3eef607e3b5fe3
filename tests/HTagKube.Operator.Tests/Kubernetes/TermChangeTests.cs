using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Tests.Infrastructure;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Kubernetes;

/// <summary>
/// A term lost while its informer is still listing (a slow API call under load, CI run s2 of session 9): the next term
/// must still sync and reconcile. Scripted list calls, no cluster: the first can be held past its term's end.
/// </summary>
public sealed class TermChangeTests(ITestOutputHelper output)
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>ConfigMaps listed from a script: each list call can be held until the test lets it answer.</summary>
    sealed class ScriptedKind
    {
        public readonly ConcurrentQueue<TaskCompletionSource> Held = new();
        public readonly TaskCompletionSource FirstListEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile bool HoldNext = true;
        public readonly List<V1ConfigMap> Items = [];

        public KubeKind<V1ConfigMap> Kind => new()
        {
            ApiVersion = "v1", Kind = "ConfigMap",
            List = async (_, _, _, _, _) =>
            {
                if (HoldNext)
                {
                    HoldNext = false;
                    var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    Held.Enqueue(gate);
                    FirstListEntered.TrySetResult();
                    await gate.Task; // deaf to its cancellation: the API call outlives the term
                }
                lock (Items) return new KubePage<V1ConfigMap>([.. Items], "1", null);
            },
            Watch = (_, _, _, _, _, _, ct) => Quiet(ct),
            Patch = (_, _, _, _, _) => throw new NotSupportedException(),
        };

        static async IAsyncEnumerable<(WatchEventType, V1ConfigMap)> Quiet([EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Delay(Timeout.Infinite, ct);
            yield break;
        }
    }

    sealed class Recorder : IEntityController<V1ConfigMap>
    {
        public readonly TaskCompletionSource<string> Reconciled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<ReconcileResult> ReconcileAsync(V1ConfigMap e, CancellationToken ct)
        {
            Reconciled.TrySetResult(e.Metadata.Name);
            return Task.FromResult(ReconcileResult.Done);
        }
        public Task DeletedAsync(V1ConfigMap e, CancellationToken ct) => Task.CompletedTask;
    }

    static V1ConfigMap Cm(string name) => new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns" } };

    [Fact]
    public async Task A_run_that_ends_after_a_newer_run_synced_leaves_the_newer_sync_alone()
    {
        var script = new ScriptedKind();
        script.Items.Add(Cm("a"));
        var informer = new Informer<V1ConfigMap>(null!, script.Kind, new InformerOptions { Namespace = "ns" }, new TestLogger(output));
        using var first = new CancellationTokenSource();
        var run1 = informer.RunAsync(first.Token);
        await script.FirstListEntered.Task.WaitAsync(Wait);
        await first.CancelAsync();

        using var second = new CancellationTokenSource();
        var run2 = informer.RunAsync(second.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(Wait);
        Assert.True(script.Held.TryDequeue(out var held));
        held.SetResult(); // the first run's list answers now, after the second run synced
        await run1.WaitAsync(Wait);

        Assert.True(informer.HasSynced, "the stale run took the newer run's sync away");
        Assert.NotNull(informer.Get("ns", "a"));
        await second.CancelAsync();
        await run2.WaitAsync(Wait);
        Assert.False(informer.HasSynced); // a run that ends for good still leaves the next one its own sync to wait for
    }

    [Fact]
    public async Task A_term_lost_while_listing_ends_with_its_list_call_and_the_next_term_reconciles()
    {
        var script = new ScriptedKind();
        script.Items.Add(Cm("a"));
        var log = new TestLogger(output);
        var recorder = new Recorder();
        var informer = new Informer<V1ConfigMap>(null!, script.Kind, new InformerOptions { Namespace = "ns" }, log);
        var ctl = new EntityController<V1ConfigMap>(null!, script.Kind, informer, recorder, null, new ControllerOptions(), log);

        using var term1 = new CancellationTokenSource();
        var lead1 = ctl.LeadAsync(term1.Token);
        await script.FirstListEntered.Task.WaitAsync(Wait);
        await term1.CancelAsync();
        // The term is over only when its list call is: it must not return while that call still runs.
        Assert.NotSame(lead1, await Task.WhenAny(lead1, Task.Delay(TimeSpan.FromMilliseconds(300))));
        Assert.True(script.Held.TryDequeue(out var held));
        held.SetResult();
        await lead1.WaitAsync(Wait);
        Assert.False(recorder.Reconciled.Task.IsCompleted); // a lost term reconciles nothing

        using var term2 = new CancellationTokenSource();
        var lead2 = ctl.LeadAsync(term2.Token);
        Assert.Equal("a", await recorder.Reconciled.Task.WaitAsync(Wait));
        await term2.CancelAsync();
        await lead2.WaitAsync(Wait);
    }
}
