using System.Text.RegularExpressions;
using HTagKube.Chart.Tests.Infrastructure;
using HTagKube.Contract;
using HTagKube.Operator.Hosting;
using HTagKube.Router.Hosting;

namespace HTagKube.Chart.Tests.Static;

/// <summary>
/// The flags and settings the chart passes exist in the programs that read them (router, operator), so a
/// renamed flag fails here rather than as a crash-looping pod on a cluster. Both programs' flags come from their
/// one flag table (<see cref="RouterConfig.Flags"/>, <see cref="OperatorConfig.Flags"/>).
/// </summary>
public sealed partial class ProgramContractTests
{
    [GeneratedRegex("^(--[a-z0-9-]+)")] private static partial Regex FlagRx();

    /// <summary>Every flag in <paramref name="args"/> is in <paramref name="known"/>; its durations are plain seconds.</summary>
    static void AssertKnownFlags(IReadOnlyList<string> args, ProgramFlags known, string program)
    {
        var durations = 0;
        foreach (var arg in args.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
        {
            var name = FlagRx().Match(arg).Groups[1].Value;
            var flag = known.All.SingleOrDefault(f => f.Name == name);
            Assert.True(flag is not null, $"the chart passes {name}, which the {program} does not know");
            if (flag.Kind != FlagKind.Duration) continue;
            var value = arg[(name.Length + 1)..];
            Assert.Matches("^[0-9]+$", value); // plain seconds: no template helper turns them into TimeSpans
            Assert.True(Durations.TryParse(value, out _), $"{arg} is no duration");
            durations++;
        }
        Assert.True(durations > 0, $"the chart passes the {program} no duration: the check above checked nothing");
    }

    [Fact]
    public async Task Router_flags_are_router_flags_and_its_durations_are_plain_seconds()
    {
        var r = await HelmChart.TemplateAsync("auth.oidc.enabled=true", "auth.oidc.authority=https://id.example.com",
            "auth.oidc.clientId=htag");
        AssertKnownFlags(HelmChart.Container(r.Get("Deployment", "htag-router"), "router")["args"].Strings, RouterConfig.Flags, "router");
    }

    [Fact]
    public async Task Operator_flags_are_operator_flags_and_its_durations_are_plain_seconds()
    {
        var r = await HelmChart.TemplateAsync();
        AssertKnownFlags(HelmChart.Container(r.Get("Deployment", "htag-operator"), "operator")["args"].Strings, OperatorConfig.Flags, "operator");
    }

    [Fact]
    public async Task Environment_settings_are_read_by_the_programs()
    {
        var r = await HelmChart.TemplateAsync();
        foreach (var name in new[] { RouterEnvironment.Redis, RouterEnvironment.Namespace, RouterEnvironment.PodIp })
        {
            var env = HelmChart.Container(r.Get("Deployment", "htag-router"), "router")["env"].List;
            Assert.NotNull(env.SingleOrDefault(e => e["name"].S == name));
        }

        // Operator__DefaultRequests__cpu → OperatorOptions.DefaultRequests["cpu"] (ASP.NET configuration binding).
        var operatorEnv = HelmChart.Container(r.Get("Deployment", "htag-operator"), "operator")["env"].List.Select(e => e["name"].S!).ToArray();
        var settings = operatorEnv.Where(n => n.StartsWith(OperatorConfig.Section + "__", StringComparison.Ordinal))
            .Select(n => n.Split("__")[1]).Distinct().ToArray();
        Assert.NotEmpty(settings);
        foreach (var property in settings)
            Assert.Equal(typeof(Dictionary<string, string>), typeof(OperatorOptions).GetProperty(property)?.PropertyType);
    }
}
