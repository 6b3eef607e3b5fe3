using System.Text.Json;
using HTagKube.Api.V1Alpha1;
using HTagKube.CrdGen;
using HTagKube.Kubernetes.Client;
using HTagKube.Kubernetes.Config;
using HTagKube.Kubernetes.Models;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>
/// A real API-server client, the HTagSession CRD installed from the generated definition, and a
/// namespace unique to the test class, deleted (with everything in it) afterwards.
/// </summary>
public class KubeFixture : IAsyncLifetime
{
    KubeClient? _client;
    public KubeClient Client => _client ?? throw new InvalidOperationException(Cluster.MissingReason ?? "fixture not initialised");
    public string Namespace { get; } = "htk-test-" + Guid.NewGuid().ToString("N")[..10];

    public virtual async Task InitializeAsync()
    {
        if (Cluster.MissingReason is not null) return; // the [ClusterFact] skips or fails with the reason
        _client = new KubeClient(KubeConfig.FromEnvironment());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await EnsureCrdAsync(_client, cts.Token);
        await _client.CreateAsync(KubeResources.Namespaces, new Namespace { Metadata = new ObjectMeta { Name = Namespace } }, cts.Token);
    }

    public static async Task EnsureCrdAsync(IKubeClient client, CancellationToken ct)
    {
        var generated = CrdGenerator.HTagSessionCrd();
        var crd = generated.Deserialize(KubeJsonContext.Default.CustomResourceDefinition)!;
        var existing = await client.TryGetAsync(KubeResources.CustomResourceDefinitions, null, crd.Metadata.Name!, ct);
        if (existing is null)
        {
            try { await client.CreateAsync(KubeResources.CustomResourceDefinitions, crd, ct); }
            catch (KubeAlreadyExistsException) { }
        }
        else if (existing.Spec.GetRawText() != crd.Spec.GetRawText())
        {
            crd.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            try { await client.ReplaceAsync(KubeResources.CustomResourceDefinitions, crd, ct); }
            catch (KubeConflictException) { } // another test class updated it concurrently
        }
        await Eventually.True(async () =>
        {
            var c = await client.GetAsync(KubeResources.CustomResourceDefinitions, null, crd.Metadata.Name!, ct);
            return c.Status?.Conditions?.Any(x => x.Type == "Established" && x.Status == "True") == true;
        }, TimeSpan.FromSeconds(30), "CRD established");
        // The new resource is served shortly after Established; wait until a list succeeds.
        await Eventually.True(async () =>
        {
            try { await client.ListAsync(HTagSessions.Resource, "default", new ListOptions(Limit: 1), ct); return true; }
            catch (KubeNotFoundException) { return false; }
        }, TimeSpan.FromSeconds(30), "htagsessions served");
    }

    public virtual async Task DisposeAsync()
    {
        if (_client is null) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // Remove our finalizers first, else the namespace would stay Terminating when no operator runs.
        try
        {
            foreach (var s in (await _client.ListAsync(HTagSessions.Resource, Namespace, null, cts.Token)).Items)
            {
                if (s.Metadata.Finalizers is { Count: > 0 })
                    await _client.PatchAsync(HTagSessions.Resource, Namespace, s.Metadata.Name!, KubePatch.Merge("{\"metadata\":{\"finalizers\":null}}"), cts.Token);
            }
            foreach (var c in (await _client.ListAsync(KubeResources.ConfigMaps, Namespace, null, cts.Token)).Items)
            {
                if (c.Metadata.Finalizers is { Count: > 0 })
                    await _client.PatchAsync(KubeResources.ConfigMaps, Namespace, c.Metadata.Name!, KubePatch.Merge("{\"metadata\":{\"finalizers\":null}}"), cts.Token);
            }
        }
        catch (KubeNotFoundException) { }
        await _client.DeleteAsync(KubeResources.Namespaces, null, Namespace, new DeleteOptions { PropagationPolicy = "Background" }, cts.Token);
        _client.Dispose();
    }
}
