using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Static;

/// <summary>
/// The NetworkPolicies as rendered, checked against the pods they must select and admit. (Enforcement needs a
/// policy-capable network plugin; the local test cluster has none, so this is where they are asserted.)
/// </summary>
public sealed class NetworkPolicyTests
{
    /// <summary>Labels the operator puts on a session's userpod (operator/HTagKube.Operator/Sessions/SessionManifests.cs).</summary>
    static readonly Dictionary<string, string> UserpodLabels = new()
    {
        ["htagkube.io/user"] = "3f9a1c0d2b7e4a519c2d5e6f7a8b9c0d",
        ["htagkube.io/session"] = "hs-3f9a1c0d2b7e4a519c2d",
        ["app.kubernetes.io/name"] = "htagkube-userpod",
        ["app.kubernetes.io/managed-by"] = "htagkube-operator",
    };

    /// <summary>Labels of a warm-pool pod before any session claims it (operator/HTagKube.Operator/Warm/WarmPodManifests.cs).</summary>
    static readonly Dictionary<string, string> WarmPodLabels = new()
    {
        ["htagkube.io/warm"] = "true",
        ["app.kubernetes.io/name"] = "htagkube-userpod",
        ["app.kubernetes.io/managed-by"] = "htagkube-operator",
    };

    static (YNode policy, IReadOnlyList<YNode> peers) Single(Rendered r, string name)
    {
        var p = r.Get("NetworkPolicy", name);
        Assert.Equal(["Ingress"], p.At("spec.policyTypes").Strings);
        var rule = Assert.Single(p.At("spec.ingress").List);
        return (p, rule["from"].List);
    }

    [Fact]
    public async Task Userpods_accept_traffic_only_from_router_pods_on_8080()
    {
        var r = await HelmChart.TemplateAsync();
        var (policy, peers) = Single(r, "htag-userpods");

        Assert.True(HelmChart.Selects(policy.At("spec.podSelector"), UserpodLabels), "the policy must select userpods");
        Assert.True(HelmChart.Selects(policy.At("spec.podSelector"), WarmPodLabels), "the policy must select warm (unclaimed) userpods too");
        foreach (var part in new[] { "router", "operator" })
            Assert.False(HelmChart.Selects(policy.At("spec.podSelector"), HelmChart.PodLabels(r.Get("Deployment", $"htag-{part}"))), $"{part} pods are not userpods");

        var peer = Assert.Single(peers);
        Assert.False(peer["namespaceSelector"].Exists, "no other namespace");
        Assert.False(peer["ipBlock"].Exists);
        var from = peer["podSelector"];
        Assert.True(HelmChart.Selects(from, HelmChart.PodLabels(r.Get("Deployment", "htag-router"))), "router pods are admitted");
        Assert.False(HelmChart.Selects(from, UserpodLabels), "another user's pod is not admitted");
        Assert.False(HelmChart.Selects(from, HelmChart.PodLabels(r.Get("Deployment", "htag-operator"))));
        Assert.False(HelmChart.Selects(from, HelmChart.PodLabels(r.Get("StatefulSet", "htag-redis"))));

        var port = Assert.Single(policy.At("spec.ingress")[0]["ports"].List);
        Assert.Equal("8080", port["port"].S);
    }

    [Fact]
    public async Task Redis_accepts_only_router_and_operator_pods()
    {
        var r = await HelmChart.TemplateAsync();
        var (policy, peers) = Single(r, "htag-redis");
        Assert.True(HelmChart.Selects(policy.At("spec.podSelector"), HelmChart.PodLabels(r.Get("StatefulSet", "htag-redis"))));
        Assert.False(HelmChart.Selects(policy.At("spec.podSelector"), HelmChart.PodLabels(r.Get("Deployment", "htag-router"))));

        bool Admitted(IReadOnlyDictionary<string, string> labels) => peers.Any(p => HelmChart.Selects(p["podSelector"], labels));
        Assert.All(peers, p => Assert.False(p["namespaceSelector"].Exists || p["ipBlock"].Exists));
        Assert.True(Admitted(HelmChart.PodLabels(r.Get("Deployment", "htag-router"))));
        Assert.True(Admitted(HelmChart.PodLabels(r.Get("Deployment", "htag-operator"))));
        Assert.False(Admitted(UserpodLabels), "a userpod must not reach Redis (it holds every user's route and token)");

        Assert.Equal("6379", Assert.Single(policy.At("spec.ingress")[0]["ports"].List)["port"].S);
    }

    [Fact]
    public async Task Policies_can_be_turned_off_and_follow_external_redis()
    {
        var off = await HelmChart.TemplateAsync("networkPolicy.enabled=false");
        Assert.Empty(off.OfKind("NetworkPolicy"));

        var external = await HelmChart.TemplateAsync("redis.enabled=false", "externalRedis.host=redis.example.internal");
        Assert.Equal(["htag-userpods"], external.OfKind("NetworkPolicy").Select(p => p.Name));
    }
}
