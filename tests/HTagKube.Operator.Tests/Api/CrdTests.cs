using HTagKube.CrdGen;

namespace HTagKube.Operator.Tests.Api;

public sealed class CrdTests
{
    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HTagKube.sln"))) return d.FullName;
        throw new InvalidOperationException("HTagKube.sln not found above the test binaries");
    }

    [Fact]
    public void Committed_crd_yaml_matches_the_csharp_types()
    {
        foreach (var (file, yaml) in CrdGenerator.All())
        {
            var path = Path.Combine(RepoRoot(), "crds", file);
            Assert.True(File.Exists(path), $"{path} missing: run `make crds`");
            Assert.True(File.ReadAllText(path) == yaml,
                $"crds/{file} differs from the C# types in contract/HTagKube.Api/V1Alpha1: run `make crds` (dotnet run --project operator/HTagKube.CrdGen -- crds/)");
        }
    }

    [Fact]
    public void Crd_has_status_subresource_printer_columns_and_a_structural_schema()
    {
        var crd = CrdGenerator.HTagSessionCrd();
        var v = crd["spec"]!["versions"]![0]!;
        Assert.NotNull(v["subresources"]!["status"]);
        Assert.Equal(["User", "Person", "Phase", "Pod", "IP", "Image", "Idle", "Age"], v["additionalPrinterColumns"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var schema = v["schema"]!["openAPIV3Schema"]!;
        var spec = schema["properties"]!["spec"]!;
        Assert.Equal("^[0-9a-f]{32}$", spec["properties"]!["userKey"]!["pattern"]!.GetValue<string>());
        Assert.Equal(["userKey"], spec["required"]!.AsArray().Select(x => x!.GetValue<string>()));
        var status = schema["properties"]!["status"]!["properties"]!;
        Assert.Equal(["Pending", "Starting", "Ready", "Failed", "Terminating"], status["phase"]!["enum"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal("date-time", status["lastActivity"]!["format"]!.GetValue<string>());
        // Structural: every node has a single type, no nullable unions, no $ref (Kubernetes 1.20 rules).
        var text = crd.ToJsonString();
        Assert.DoesNotContain("\"null\"", text);
        Assert.DoesNotContain("$ref", text);
        Assert.DoesNotContain("x-kubernetes-validations", text);
    }
}
