using HTagKube.Api.V1Alpha1;
using HTagKube.CrdGen;
using HTagKube.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>
/// A real API-server client (KubernetesClient from $KUBECONFIG), the HTagSession CRD installed from the generated
/// definition, and a namespace unique to the test class, deleted (with everything in it) afterwards.
/// </summary>
public class KubeFixture : IAsyncLifetime
{
    k8s.Kubernetes? _client;
    public IKubernetes Client => _client ?? throw new InvalidOperationException(Cluster.MissingReason ?? "fixture not initialised");
    public string Namespace { get; } = "htk-test-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A client of its own, whose every request fails like a network partition while <see cref="Partition.Cut"/> is set.</summary>
    public (IKubernetes Client, Partition Partition) NewPartitionableClient()
    {
        var partition = new Partition();
        return (new k8s.Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig(), partition), partition);
    }

    public virtual async Task InitializeAsync()
    {
        if (Cluster.MissingReason is not null) return; // the [ClusterFact] skips or fails with the reason
        _client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await EnsureCrdAsync(_client, cts.Token);
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: cts.Token);
    }

    public static async Task EnsureCrdAsync(IKubernetes client, CancellationToken ct)
    {
        var crd = KubernetesJson.Deserialize<V1CustomResourceDefinition>(CrdGenerator.HTagSessionCrd().ToJsonString());
        var existing = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name, cancellationToken: ct).OrNullIfNotFound();
        if (existing is null)
        {
            try { await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: ct); }
            catch (HttpOperationException e) when (e.IsConflict()) { }
        }
        else
        {
            // The server adds defaults, so the specs never compare equal: put ours (idempotent).
            crd.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            try { await client.ApiextensionsV1.ReplaceCustomResourceDefinitionAsync(crd, crd.Metadata.Name, cancellationToken: ct); }
            catch (HttpOperationException e) when (e.IsConflict()) { } // another test class updated it concurrently
        }
        await Eventually.True(async () =>
        {
            var c = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name, cancellationToken: ct);
            return c.Status?.Conditions?.Any(x => x.Type == "Established" && x.Status == "True") == true;
        }, TimeSpan.FromSeconds(30), "CRD established");
        // The new resource is served shortly after Established; wait until a list succeeds.
        await Eventually.True(async () =>
        {
            try { await client.ListSessionsAsync("default", null, ct, limit: 1); return true; }
            catch (HttpOperationException e) when (e.IsNotFound()) { return false; }
        }, TimeSpan.FromSeconds(30), "htagsessions served");
    }

    static readonly V1Patch NoFinalizers = new("{\"metadata\":{\"finalizers\":null}}", V1Patch.PatchType.MergePatch);

    /// <summary>
    /// Strips the finalizers of every HTagSession in <paramref name="ns"/>: where no operator runs (or none any more), a
    /// session keeps the finalizer the router creates it with, and its namespace could not be deleted.
    /// </summary>
    public static async Task DropSessionFinalizersAsync(IKubernetes client, string ns, CancellationToken ct)
    {
        foreach (var s in (await client.ListSessionsAsync(ns, null, ct)).Items)
        {
            if (s.Metadata.Finalizers is { Count: > 0 }) await client.PatchSessionAsync(NoFinalizers, ns, s.Metadata.Name, ct);
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (_client is null) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // Remove our finalizers first, else the namespace would stay Terminating when no operator runs.
        try
        {
            await DropSessionFinalizersAsync(_client, Namespace, cts.Token);
            foreach (var c in (await _client.CoreV1.ListNamespacedConfigMapAsync(Namespace, cancellationToken: cts.Token)).Items)
            {
                if (c.Metadata.Finalizers is { Count: > 0 })
                    await _client.CoreV1.PatchNamespacedConfigMapAsync(NoFinalizers, c.Metadata.Name, Namespace, cancellationToken: cts.Token);
            }
        }
        catch (HttpOperationException e) when (e.IsNotFound()) { }
        await _client.CoreV1.DeleteNamespaceAsync(Namespace, new V1DeleteOptions { PropagationPolicy = "Background" }, cancellationToken: cts.Token);
        _client.Dispose();
    }
}
