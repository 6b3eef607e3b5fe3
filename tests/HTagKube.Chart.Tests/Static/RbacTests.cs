using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Static;

/// <summary>Least privilege: the rendered Roles grant exactly what each part uses, nothing cluster-wide.</summary>
public sealed class RbacTests
{
    /// <summary>
    /// (apiGroup/resource) → verbs: the operator's whole permission set, as its code uses the API
    /// (operator/HTagKube.Operator, operator/HTagKube.Kubernetes/Runtime): no events, no Secret deletion.
    /// </summary>
    public static readonly Dictionary<string, string[]> OperatorRules = new()
    {
        ["htagkube.io/htagsessions"] = ["delete", "list", "patch", "watch"],
        ["htagkube.io/htagsessions/status"] = ["update"],
        ["htagkube.io/htagsessions/finalizers"] = ["update"],
        ["/pods"] = ["create", "delete", "get", "list", "patch", "watch"],
        ["/secrets"] = ["create", "delete", "get", "list", "patch", "watch"],
        ["coordination.k8s.io/leases"] = ["create", "get", "update", "watch"],
    };

    /// <summary>Rules limited to named objects: (apiGroup/resource) → (names, verbs). The warm pool's state ConfigMap.</summary>
    public static readonly Dictionary<string, (string[] Names, string[] Verbs)> OperatorNamedRules = new()
    {
        ["/configmaps"] = (["htag-warm-pool"], ["patch"]),
    };

    public static readonly Dictionary<string, string[]> RouterRules = new()
    {
        ["htagkube.io/htagsessions"] = ["create", "get"],
    };

    /// <summary>Flattens a Role's rules to (group/resource → sorted verbs), rejecting wildcards; rules limited to names apart.</summary>
    static Dictionary<string, string[]> Flatten(YNode role, bool named = false)
    {
        var result = new Dictionary<string, SortedSet<string>>();
        foreach (var rule in role["rules"].List)
        {
            Assert.False(rule["resourceNames"].Exists && role.Name.EndsWith("-router", StringComparison.Ordinal), "router rules are not name-restricted");
            if (rule["resourceNames"].Exists != named) continue;
            foreach (var g in rule["apiGroups"].Strings)
            foreach (var r in rule["resources"].Strings)
            {
                Assert.NotEqual("*", g);
                Assert.NotEqual("*", r);
                var set = result.TryGetValue($"{g}/{r}", out var s) ? s : result[$"{g}/{r}"] = [];
                foreach (var v in rule["verbs"].Strings)
                {
                    Assert.NotEqual("*", v);
                    set.Add(v);
                }
            }
        }
        return result.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }

    static void AssertSameRules(Dictionary<string, string[]> expected, Dictionary<string, string[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (k, verbs) in expected) Assert.True(verbs.Order().SequenceEqual(actual[k]), $"{k}: expected [{string.Join(",", verbs)}], rendered [{string.Join(",", actual[k])}]");
    }

    [Fact]
    public async Task Operator_role_grants_exactly_the_verbs_its_controller_uses()
    {
        var r = await HelmChart.TemplateAsync();
        AssertSameRules(OperatorRules, Flatten(r.Get("Role", "htag-operator")));
        AssertSameRules(OperatorNamedRules.ToDictionary(kv => kv.Key, kv => kv.Value.Verbs), Flatten(r.Get("Role", "htag-operator"), named: true));
    }

    [Fact]
    public async Task Operator_may_patch_only_the_warm_pool_state_ConfigMap_the_chart_makes_and_names_to_it()
    {
        var r = await HelmChart.TemplateAsync();
        var rule = Assert.Single(r.Get("Role", "htag-operator")["rules"].List, x => x["resourceNames"].Exists);
        Assert.Equal(["configmaps"], rule["resources"].Strings);
        Assert.Equal(OperatorNamedRules["/configmaps"].Names, rule["resourceNames"].Strings);
        var configMap = r.Get("ConfigMap", "htag-warm-pool");
        Assert.False(configMap["data"].Exists); // the operator's to write; Helm keeps it across upgrades
        Assert.Contains("--warm-pool-status=htag-warm-pool",
            HelmChart.PodSpec(r.Get("Deployment", "htag-operator"))["containers"].List[0]["args"].Strings);
    }

    [Fact]
    public async Task Router_role_may_only_create_and_get_sessions()
    {
        var r = await HelmChart.TemplateAsync();
        AssertSameRules(RouterRules, Flatten(r.Get("Role", "htag-router")));
    }

    [Fact]
    public async Task Nothing_is_cluster_wide_and_each_part_runs_as_its_own_bound_service_account()
    {
        var r = await HelmChart.TemplateAsync();
        Assert.Empty(r.OfKind("ClusterRole"));
        Assert.Empty(r.OfKind("ClusterRoleBinding"));

        foreach (var part in new[] { "router", "operator" })
        {
            var name = $"htag-{part}";
            Assert.Equal(name, HelmChart.PodSpec(r.Get("Deployment", name))["serviceAccountName"].S);
            r.Get("ServiceAccount", name);
            var binding = r.Get("RoleBinding", name);
            Assert.Equal("Role", binding.At("roleRef.kind").S);
            Assert.Equal(name, binding.At("roleRef.name").S);
            var subject = Assert.Single(binding["subjects"].List);
            Assert.Equal("ServiceAccount", subject["kind"].S);
            Assert.Equal(name, subject["name"].S);
            Assert.Equal(HelmChart.Namespace, subject["namespace"].S);
        }

        // Redis needs no API access at all.
        Assert.Equal("false", HelmChart.PodSpec(r.Get("StatefulSet", "htag-redis"))["automountServiceAccountToken"].Value?.ToString());
    }

    [Fact]
    public async Task Uninstall_hooks_may_only_delete_sessions_and_warm_pods_watch_pods_and_delete_the_operator_lease()
    {
        var r = await HelmChart.TemplateAsync();
        var role = r.Get("Role", "htag-cleanup");
        Assert.Equal("pre-delete,post-delete", role.At("metadata.annotations").StringMap["helm.sh/hook"]);
        var rules = role["rules"].List;
        Assert.Equal(3, rules.Count);
        Assert.Equal(["htagsessions"], rules[0]["resources"].Strings);
        Assert.Equal(["delete", "get", "list", "patch", "watch"], rules[0]["verbs"].Strings.Order());
        Assert.Equal(["pods"], rules[1]["resources"].Strings);
        Assert.Equal(["delete", "get", "list", "watch"], rules[1]["verbs"].Strings.Order());
        Assert.Equal(["leases"], rules[2]["resources"].Strings);
        Assert.Equal(["htag-operator"], rules[2]["resourceNames"].Strings);
        Assert.Equal(["delete"], rules[2]["verbs"].Strings);

        var jobs = r.OfKind("Job").ToDictionary(j => j.At("metadata.annotations").StringMap["helm.sh/hook"], j => j);
        Assert.Contains("delete htagsessions --all", HelmChart.Container(jobs["pre-delete"], "cleanup")["args"][0].S);
        Assert.Contains("delete lease htag-operator", HelmChart.Container(jobs["post-delete"], "cleanup")["args"][0].S);
        Assert.Contains("delete pods -l htagkube.io/warm=true", HelmChart.Container(jobs["post-delete"], "cleanup")["args"][0].S);
        Assert.DoesNotContain(r.OfKind("Job"), j => !j.At("metadata.annotations").StringMap.ContainsKey("helm.sh/hook"));
    }
}
