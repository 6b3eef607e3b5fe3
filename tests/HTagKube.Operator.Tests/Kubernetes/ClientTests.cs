using System.Text.Json.Nodes;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Client;
using HTagKube.Kubernetes.Config;
using HTagKube.Kubernetes.Models;
using HTagKube.Operator.Tests.Infrastructure;

namespace HTagKube.Operator.Tests.Kubernetes;

/// <summary>The REST client against the real API server.</summary>
public sealed class ClientTests(KubeFixture kube) : IClassFixture<KubeFixture>
{
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    ConfigMap NewConfigMap(string name, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = kube.Namespace, Labels = labels },
        Data = new() { ["a"] = "1" },
    };

    [ClusterFact]
    public async Task Create_get_list_replace_patch_delete_round_trip()
    {
        var c = kube.Client;
        var created = await c.CreateAsync(KubeResources.ConfigMaps, NewConfigMap("crud", new() { ["t"] = "crud" }), Ct);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);

        var got = await c.GetAsync(KubeResources.ConfigMaps, kube.Namespace, "crud", Ct);
        Assert.Equal("1", got.Data!["a"]);

        var list = await c.ListAsync(KubeResources.ConfigMaps, kube.Namespace, new ListOptions("t=crud"), Ct);
        Assert.Equal(["crud"], list.Items.Select(i => i.Metadata.Name));
        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion));

        got.Data["a"] = "2";
        var replaced = await c.ReplaceAsync(KubeResources.ConfigMaps, got, Ct);
        Assert.Equal("2", replaced.Data!["a"]);
        Assert.NotEqual(got.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);

        var merged = await c.PatchAsync(KubeResources.ConfigMaps, kube.Namespace, "crud", KubePatch.Merge("""{"data":{"b":"x"}}"""), Ct);
        Assert.Equal("x", merged.Data!["b"]);
        Assert.Equal("2", merged.Data["a"]);

        var json = await c.PatchAsync(KubeResources.ConfigMaps, kube.Namespace, "crud",
            KubePatch.Json("""[{"op":"test","path":"/data/b","value":"x"},{"op":"remove","path":"/data/b"}]"""), Ct);
        Assert.False(json.Data!.ContainsKey("b"));

        Assert.True(await c.DeleteAsync(KubeResources.ConfigMaps, kube.Namespace, "crud", null, Ct));
        Assert.False(await c.DeleteAsync(KubeResources.ConfigMaps, kube.Namespace, "crud", null, Ct));
        await Assert.ThrowsAsync<KubeNotFoundException>(() => c.GetAsync(KubeResources.ConfigMaps, kube.Namespace, "crud", Ct));
        Assert.Null(await c.TryGetAsync(KubeResources.ConfigMaps, kube.Namespace, "crud", Ct));
    }

    [ClusterFact]
    public async Task Stale_resourceVersion_is_a_typed_conflict_and_duplicate_create_is_already_exists()
    {
        var c = kube.Client;
        var v1 = await c.CreateAsync(KubeResources.ConfigMaps, NewConfigMap("conflict"), Ct);
        var e = await Assert.ThrowsAsync<KubeAlreadyExistsException>(() => c.CreateAsync(KubeResources.ConfigMaps, NewConfigMap("conflict"), Ct));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, e.StatusCode);
        Assert.Equal("AlreadyExists", e.Reason);

        var first = await c.GetAsync(KubeResources.ConfigMaps, kube.Namespace, "conflict", Ct);
        var second = await c.GetAsync(KubeResources.ConfigMaps, kube.Namespace, "conflict", Ct);
        first.Data!["a"] = "first";
        await c.ReplaceAsync(KubeResources.ConfigMaps, first, Ct);
        second.Data!["a"] = "second";
        var conflict = await Assert.ThrowsAsync<KubeConflictException>(() => c.ReplaceAsync(KubeResources.ConfigMaps, second, Ct));
        Assert.Equal("Conflict", conflict.Reason);

        // A merge patch carrying the stale resourceVersion is refused the same way.
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = v1.Metadata.ResourceVersion }, ["data"] = new JsonObject { ["a"] = "p" } };
        await Assert.ThrowsAsync<KubeConflictException>(() => c.PatchAsync(KubeResources.ConfigMaps, kube.Namespace, "conflict", KubePatch.Merge(patch), Ct));
        Assert.Equal("first", (await c.GetAsync(KubeResources.ConfigMaps, kube.Namespace, "conflict", Ct)).Data!["a"]);

        // Delete preconditions use the same optimistic concurrency.
        await Assert.ThrowsAsync<KubeConflictException>(() => c.DeleteAsync(KubeResources.ConfigMaps, kube.Namespace, "conflict",
            new DeleteOptions { Preconditions = new Preconditions { ResourceVersion = v1.Metadata.ResourceVersion } }, Ct));
    }

    [ClusterFact]
    public async Task HTagSession_status_subresource_and_schema_validation()
    {
        var c = kube.Client;
        var key = new string('a', 32);
        var s = await c.CreateAsync(HTagSessions.Resource, new HTagSession
        {
            Metadata = new ObjectMeta { Name = "hs-status", Namespace = kube.Namespace },
            Spec = new HTagSessionSpec { UserKey = key, IdleTimeoutSeconds = 60, Resources = new() { Limits = new() { ["memory"] = "64Mi" } } },
            // Status on create is dropped by the server (status subresource).
            Status = new HTagSessionStatus { Phase = SessionPhase.Ready },
        }, Ct);
        Assert.Null(s.Status?.Phase);
        Assert.Equal("64Mi", s.Spec.Resources!.Limits!["memory"]);

        var now = DateTimeOffset.UtcNow;
        s.Status = new HTagSessionStatus
        {
            Phase = SessionPhase.Starting, PodName = "p", Restarts = 1, ReadySince = now,
            Conditions = [new SessionCondition { Type = "Ready", Status = "False", Reason = "PodStarting", LastTransitionTime = now }],
        };
        s.Spec.IdleTimeoutSeconds = 999; // ignored through /status
        var updated = await c.ReplaceStatusAsync(HTagSessions.Resource, s, Ct);
        Assert.Equal(SessionPhase.Starting, updated.Status!.Phase);
        Assert.Equal(60, updated.Spec.IdleTimeoutSeconds);
        Assert.Equal(KubeTime.Seconds(now), KubeTime.Seconds(updated.Status.ReadySince!.Value));

        var patched = await c.PatchAsync(HTagSessions.Resource, kube.Namespace, "hs-status", KubePatch.Merge("""{"status":{"phase":"Ready","podIP":"10.0.0.1"}}"""), Ct, status: true);
        Assert.Equal(SessionPhase.Ready, patched.Status!.Phase);
        Assert.Equal("p", patched.Status.PodName);

        // The generated schema is enforced: a malformed userKey and an unknown phase are refused.
        await Assert.ThrowsAsync<KubeInvalidException>(() => c.CreateAsync(HTagSessions.Resource, new HTagSession
        {
            Metadata = new ObjectMeta { Name = "hs-bad", Namespace = kube.Namespace },
            Spec = new HTagSessionSpec { UserKey = "NOT-A-KEY" },
        }, Ct));
        await Assert.ThrowsAsync<KubeInvalidException>(() => c.PatchAsync(HTagSessions.Resource, kube.Namespace, "hs-status",
            KubePatch.Merge("""{"status":{"phase":"Exploded"}}"""), Ct, status: true));
    }

    [ClusterFact]
    public async Task Delete_with_propagation_collects_owned_objects()
    {
        var c = kube.Client;
        var owner = await c.CreateAsync(KubeResources.ConfigMaps, NewConfigMap("owner"), Ct);
        var owned = NewConfigMap("owned");
        owned.Metadata.OwnerReferences = [new OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid!, Controller = true }];
        await c.CreateAsync(KubeResources.ConfigMaps, owned, Ct);

        Assert.True(await c.DeleteAsync(KubeResources.ConfigMaps, kube.Namespace, "owner", new DeleteOptions { PropagationPolicy = "Foreground" }, Ct));
        await Eventually.True(async () => await c.TryGetAsync(KubeResources.ConfigMaps, kube.Namespace, "owned", Ct) is null,
            TimeSpan.FromSeconds(30), "garbage collector deletes the owned ConfigMap");
        await Eventually.True(async () => await c.TryGetAsync(KubeResources.ConfigMaps, kube.Namespace, "owner", Ct) is null,
            TimeSpan.FromSeconds(30), "foreground deletion completes");
    }

    [ClusterFact]
    public async Task In_cluster_config_authenticates_with_a_service_account_token_and_rbac_applies()
    {
        // The namespace's default ServiceAccount token, laid out as the kubelet mounts it in a pod.
        var token = await Eventually.Value(async () =>
            (await kube.Client.ListAsync(KubeResources.Secrets, kube.Namespace, new ListOptions(FieldSelector: "type=kubernetes.io/service-account-token"), Ct)).Items.FirstOrDefault(),
            TimeSpan.FromSeconds(30), "service-account token secret");
        var dir = Directory.CreateTempSubdirectory("htk-sa-").FullName;
        try
        {
            foreach (var f in new[] { "token", "ca.crt", "namespace" }) await File.WriteAllBytesAsync(Path.Combine(dir, f), token.Data![f]);
            var server = KubeConfig.FromEnvironment().Server;
            var config = KubeConfig.InCluster(server.Host, server.Port.ToString(), dir);
            Assert.Equal(kube.Namespace, config.Namespace);
            using var sa = new KubeClient(config);
            Assert.Equal(kube.Namespace, sa.DefaultNamespace);
            // Authenticated (not 401) as the ServiceAccount, which RBAC grants nothing: a typed 403.
            var e = await Assert.ThrowsAsync<KubeForbiddenException>(() => sa.ListAsync(KubeResources.Pods, kube.Namespace, null, Ct));
            Assert.Contains($"system:serviceaccount:{kube.Namespace}:default", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [ClusterFact]
    public async Task Watch_streams_changes_from_a_resourceVersion_and_old_versions_are_gone()
    {
        var c = kube.Client;
        var list = await c.ListAsync(KubeResources.ConfigMaps, kube.Namespace, null, Ct);
        await c.CreateAsync(KubeResources.ConfigMaps, NewConfigMap("w1"), Ct);
        await c.PatchAsync(KubeResources.ConfigMaps, kube.Namespace, "w1", KubePatch.Merge("""{"data":{"a":"2"}}"""), Ct);
        await c.DeleteAsync(KubeResources.ConfigMaps, kube.Namespace, "w1", null, Ct);

        // Only w1: the controller-manager adds kube-root-ca.crt to new namespaces at any moment.
        var seen = new List<(WatchEventType, string?)>();
        await foreach (var ev in c.WatchAsync(KubeResources.ConfigMaps, kube.Namespace, new WatchOptions(list.Metadata.ResourceVersion, FieldSelector: "metadata.name=w1", AllowBookmarks: false), Ct))
        {
            seen.Add((ev.Type, ev.Object.Data?.GetValueOrDefault("a")));
            if (seen.Count == 3) break;
        }
        Assert.Equal([(WatchEventType.Added, "1"), (WatchEventType.Modified, "2"), (WatchEventType.Deleted, "2")], seen);

        // resourceVersion 1 predates the watch window of a CRD (its cache starts when the CRD is created):
        // the server answers 410 Expired, surfaced as a typed exception.
        var gone = await Assert.ThrowsAsync<KubeGoneException>(async () =>
        {
            await foreach (var _ in c.WatchAsync(HTagSessions.Resource, kube.Namespace, new WatchOptions("1"), Ct)) { }
        });
        Assert.Equal("Expired", gone.Reason);
    }
}
