using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Sessions;
using HTagKube.Operator.Tests.Infrastructure;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Kubernetes;

public sealed class InformerTests(KubeFixture kube, ITestOutputHelper output) : IClassFixture<KubeFixture>
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    HTagSession Session(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = kube.Namespace, Labels = new Dictionary<string, string> { ["t"] = "informer" } },
        Spec = new HTagSessionSpec { UserKey = new string('b', 32) },
    };

    [ClusterFact]
    public async Task Watch_resumes_from_last_resourceVersion_after_the_server_closes_the_stream()
    {
        var c = kube.Client;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var informer = new Informer<V1ConfigMap>(c, ConfigMapKind.ConfigMaps,
            new InformerOptions { Namespace = kube.Namespace, WatchTimeoutSeconds = 1 }, new TestLogger(output));
        var events = new List<string>();
        informer.Changed += (t, o) => { lock (events) events.Add($"{t}:{o.Metadata.Name}"); };
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);

        for (var i = 0; i < 3; i++)
        {
            // Each change lands after at least one more server-side close of the watch.
            var reconnects = informer.Reconnects;
            await Eventually.True(() => informer.Reconnects > reconnects, Wait, "the server closed the watch and the informer reconnected");
            await c.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"r{i}" } }, kube.Namespace, cancellationToken: cts.Token);
            await Eventually.True(() => informer.Get(kube.Namespace, $"r{i}") is not null, Wait, $"r{i} in cache");
        }
        await c.CoreV1.DeleteNamespacedConfigMapAsync("r0", kube.Namespace, cancellationToken: cts.Token);
        await Eventually.True(() => informer.Get(kube.Namespace, "r0") is null, Wait, "r0 removed from cache");

        Assert.Equal(1, informer.Relists); // resumed every time, never relisted
        lock (events)
        {
            Assert.Equal(1, events.Count(e => e == "Added:r1"));
            Assert.Contains("Deleted:r0", events);
        }
        cts.Cancel();
        await run;
    }

    [ClusterFact]
    public async Task Expired_resourceVersion_410_triggers_a_relist_that_fills_the_cache()
    {
        var c = kube.Client;
        await c.CreateSessionAsync(Session("hs-relist-a"), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Resume from a remembered but long-compacted version: the real server answers 410.
        var informer = new Informer<HTagSession>(c, SessionKind.HTagSessions,
            new InformerOptions { Namespace = kube.Namespace, StartFromResourceVersion = "1" }, new TestLogger(output));
        var run = informer.RunAsync(cts.Token);
        await Eventually.True(() => informer.Relists == 1 && informer.Get(kube.Namespace, "hs-relist-a") is not null, Wait, "relist after 410");

        await c.CreateSessionAsync(Session("hs-relist-b"), cts.Token);
        await Eventually.True(() => informer.Get(kube.Namespace, "hs-relist-b") is not null, Wait, "watch continues after the relist");
        Assert.Equal(1, informer.Relists);
        cts.Cancel();
        await run;
    }
}
