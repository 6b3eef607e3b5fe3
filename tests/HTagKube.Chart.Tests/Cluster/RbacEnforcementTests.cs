using HTagKube.Chart.Tests.Infrastructure;
using HTagKube.Chart.Tests.Static;
using Xunit.Abstractions;

namespace HTagKube.Chart.Tests.Cluster;

/// <summary>
/// The chart's Roles applied to the real API server (RBAC authorizer on), asked with `kubectl auth can-i --as`
/// for each service account: what it may do, and what it may not.
/// </summary>
public sealed class RbacEnforcementTests(ITestOutputHelper output)
{
    [ClusterFact]
    public async Task Service_accounts_get_exactly_their_verbs_in_their_namespace_only()
    {
        HTagKube.Testing.Cluster.Require();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cts.Token;
        var kube = new Kube(Kube.NewNamespace("htag-rbac"));
        var manifest = Path.Combine(Path.GetTempPath(), kube.Namespace + "-rbac.yaml");
        await Tool.KubectlAsync(ct, "create", "namespace", kube.Namespace);
        try
        {
            var rendered = await Tool.HelmAsync(ct, "template", HelmChart.Release, Repo.Chart, "--namespace", kube.Namespace, "--show-only", "templates/rbac.yaml");
            Assert.True(rendered.Ok, rendered.ToString());
            await File.WriteAllTextAsync(manifest, rendered.StdOut, ct);
            await kube.KubectlAsync(ct, "apply", "-f", manifest);

            var checks = new List<(string sa, string verb, string resource, bool expected)>();
            foreach (var (sa, rules) in new[] { ("htag-operator", RbacTests.OperatorRules), ("htag-router", RbacTests.RouterRules) })
            {
                foreach (var (groupResource, verbs) in rules)
                {
                    var resource = ToCanI(groupResource);
                    foreach (var v in AllVerbs) checks.Add((sa, v, resource, verbs.Contains(v)));
                }
                checks.Add((sa, "get", "configmaps", false));
                checks.Add((sa, "list", "nodes", false));
            }
            foreach (var (groupResource, (names, verbs)) in RbacTests.OperatorNamedRules)
                foreach (var v in AllVerbs)
                {
                    checks.Add(("htag-operator", v, $"{ToCanI(groupResource)}/{names[0]}", verbs.Contains(v)));
                    checks.Add(("htag-operator", v, $"{ToCanI(groupResource)}/another", false));
                }
            checks.Add(("htag-router", "get", "secrets", false));
            checks.Add(("htag-router", "create", "pods", false));

            var wrong = new List<string>();
            foreach (var (sa, verb, resource, expected) in checks)
            {
                var allowed = await CanIAsync(kube.Namespace, sa, verb, resource, kube.Namespace, ct);
                if (allowed != expected) wrong.Add($"{sa} {verb} {resource}: {(allowed ? "allowed" : "denied")}, expected {(expected ? "allowed" : "denied")}");
            }
            // Namespaced Roles: nothing in another namespace.
            if (await CanIAsync(kube.Namespace, "htag-router", "create", "htagsessions.htagkube.io", "default", ct)) wrong.Add("router may create sessions in default");
            if (await CanIAsync(kube.Namespace, "htag-operator", "create", "pods", "default", ct)) wrong.Add("operator may create pods in default");
            output.WriteLine($"{checks.Count + 2} can-i checks");
            Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        }
        finally
        {
            File.Delete(manifest);
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Tool.KubectlAsync(cleanup.Token, "delete", "namespace", kube.Namespace, "--wait=false");
        }
    }

    static readonly string[] AllVerbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

    /// <summary>"htagkube.io/htagsessions/status" → "htagsessions.htagkube.io" + "status" (a "/" in can-i's resource means a name).</summary>
    static string ToCanI(string groupResource)
    {
        var slash = groupResource.IndexOf('/');
        var group = groupResource[..slash];
        var rest = groupResource[(slash + 1)..].Split('/');
        var resource = group.Length == 0 ? rest[0] : $"{rest[0]}.{group}";
        return rest.Length > 1 ? $"{resource} {rest[1]}" : resource;
    }

    static async Task<bool> CanIAsync(string saNamespace, string sa, string verb, string resource, string ns, CancellationToken ct)
    {
        var parts = resource.Split(' ');
        string[] args = ["auth", "can-i", verb, parts[0], "-n", ns, $"--as=system:serviceaccount:{saNamespace}:{sa}"];
        if (parts.Length > 1) args = [.. args, "--subresource=" + parts[1]];
        var r = await Tool.KubectlAsync(ct, args);
        var answer = r.StdOut.Trim();
        if (answer is not ("yes" or "no")) throw new InvalidOperationException($"kubectl auth can-i {verb} {resource}: {r}");
        return answer == "yes";
    }
}
