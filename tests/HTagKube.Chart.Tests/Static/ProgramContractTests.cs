using System.Text.RegularExpressions;
using HTagKube.Chart.Tests.Infrastructure;
using HTagKube.Contract;
using HTagKube.Router.Hosting;

namespace HTagKube.Chart.Tests.Static;

/// <summary>
/// The flags and settings the chart passes exist in the programs that read them (router, operator), so a
/// renamed flag fails here rather than as a crash-looping pod on a cluster. The router's come from its one flag
/// table (<see cref="RouterConfig.Flags"/>); the operator's are still read from its source until it has one.
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
    public async Task Router_flags_are_router_flags_and_its_durations_are_plain_seconds()
    {
        var r = await HelmChart.TemplateAsync("auth.oidc.enabled=true", "auth.oidc.authority=https://id.example.com",
            "auth.oidc.clientId=htag");
        var args = HelmChart.Container(r.Get("Deployment", "htag-router"), "router")["args"].Strings;
        var flags = args.Select(a => FlagRx().Match(a)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(flags);
        foreach (var arg in args.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
        {
            var name = FlagRx().Match(arg).Groups[1].Value;
            var flag = RouterConfig.Flags.SingleOrDefault(f => f.Name == name);
            Assert.True(flag is not null, $"the chart passes {name}, which the router does not know");
            if (flag.Kind != FlagKind.Duration) continue;
            var value = arg[(name.Length + 1)..];
            Assert.Matches("^[0-9]+$", value); // plain seconds: no template helper turns them into TimeSpans
            Assert.True(Durations.TryParse(value, out _), $"{arg} is no duration");
        }
        Assert.Contains(RouterConfig.Flags, f => f.Kind == FlagKind.Duration && flags.Contains(f.Name));
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
        foreach (var name in new[] { RouterEnvironment.Redis, RouterEnvironment.Namespace })
        {
            var env = HelmChart.Container(r.Get("Deployment", "htag-router"), "router")["env"].List;
            Assert.NotNull(env.SingleOrDefault(e => e["name"].S == name));
        }

        // Operator__DefaultRequests__cpu → OperatorOptions.DefaultRequests["cpu"] (ASP.NET configuration binding).
        var options = File.ReadAllText(Path.Combine(Repo.Root, "operator/HTagKube.Operator/Hosting/OperatorOptions.cs"));
        var operatorEnv = HelmChart.Container(r.Get("Deployment", "htag-operator"), "operator")["env"].List.Select(e => e["name"].S!).ToArray();
        foreach (var property in operatorEnv.Where(n => n.StartsWith("Operator__", StringComparison.Ordinal)).Select(n => n.Split("__")[1]).Distinct())
            Assert.Matches($"public Dictionary<string, string> {property} \\{{ get; set; \\}}", options);
    }
}
