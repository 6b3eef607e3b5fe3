using System.Text.RegularExpressions;
using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Static;

/// <summary>
/// The flags and settings the chart passes exist in the programs that read them (router, operator), so a
/// renamed flag fails here rather than as a crash-looping pod on a cluster.
/// </summary>
public sealed partial class ProgramContractTests
{
    [GeneratedRegex("\\[\"(--[a-z0-9-]+)\"\\]")] private static partial Regex SwitchRx();
    [GeneratedRegex("^(--[a-z0-9-]+)")] private static partial Regex FlagRx();

    static HashSet<string> Switches(string relativePath) =>
        [.. SwitchRx().Matches(File.ReadAllText(Path.Combine(Repo.Root, relativePath))).Select(m => m.Groups[1].Value)];

    static IEnumerable<string> Flags(YNode container) =>
        container["args"].Strings.Select(a => FlagRx().Match(a)).Where(m => m.Success).Select(m => m.Groups[1].Value);

    [Fact]
    public async Task Router_flags_are_router_switches()
    {
        var known = Switches("router/Hosting/RouterConfig.cs");
        var r = await HelmChart.TemplateAsync();
        var flags = Flags(HelmChart.Container(r.Get("Deployment", "htag-router"), "router")).ToArray();
        Assert.NotEmpty(flags);
        Assert.All(flags, f => Assert.Contains(f, known));
    }

    [Fact]
    public async Task Operator_flags_are_operator_switches()
    {
        var known = Switches("operator/HTagKube.Operator/Hosting/OperatorConfig.cs");
        var r = await HelmChart.TemplateAsync();
        var flags = Flags(HelmChart.Container(r.Get("Deployment", "htag-operator"), "operator")).ToArray();
        Assert.NotEmpty(flags);
        Assert.All(flags, f => Assert.Contains(f, known));
    }

    [Fact]
    public async Task Environment_settings_are_read_by_the_programs()
    {
        var r = await HelmChart.TemplateAsync();
        var router = string.Join("\n", Directory.GetFiles(Path.Combine(Repo.Root, "router"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal)).Select(File.ReadAllText));
        foreach (var name in new[] { "HTAGKUBE_REDIS", "HTAGKUBE_NAMESPACE" })
        {
            Assert.NotNull(HelmChart.Container(r.Get("Deployment", "htag-router"), "router")["env"].List.SingleOrDefault(e => e["name"].S == name));
            Assert.Contains($"\"{name}\"", router);
        }

        // Operator__DefaultRequests__cpu → OperatorOptions.DefaultRequests["cpu"] (ASP.NET configuration binding).
        var options = File.ReadAllText(Path.Combine(Repo.Root, "operator/HTagKube.Operator/Hosting/OperatorOptions.cs"));
        var operatorEnv = HelmChart.Container(r.Get("Deployment", "htag-operator"), "operator")["env"].List.Select(e => e["name"].S!).ToArray();
        foreach (var property in operatorEnv.Where(n => n.StartsWith("Operator__", StringComparison.Ordinal)).Select(n => n.Split("__")[1]).Distinct())
            Assert.Matches($"public Dictionary<string, string> {property} \\{{ get; set; \\}}", options);
    }
}
