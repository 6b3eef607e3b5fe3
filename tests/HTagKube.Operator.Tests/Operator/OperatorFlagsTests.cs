using HTagKube.Operator.Hosting;
using Microsoft.Extensions.Configuration;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>The operator's durations are written as the router's (contract Durations), and the earlier -seconds names still work.</summary>
public sealed class OperatorFlagsTests
{
    static OperatorOptions Bind(params string[] args) =>
        OperatorConfig.Bind(new ConfigurationBuilder().AddCommandLine(["--redis", "r:1", .. args], OperatorConfig.Flags.SwitchMappings).Build());

    [Fact]
    public void Durations_take_seconds_or_units_and_plain_numbers_are_seconds_not_days()
    {
        var o = Bind("--idle-timeout", "1800", "--route-check", "0.5", "--activity-sync", "2s", "--pod-start-timeout", "2m",
            "--recreate-backoff", "500ms", "--recreate-backoff-max", "1m30s", "--lease-duration", "15",
            "--warm-pool-shrink-delay", "5m", "--warm-pool-window", "1m");
        Assert.Equal(TimeSpan.FromMinutes(30), o.IdleTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.RouteCheck);
        Assert.Equal(TimeSpan.FromSeconds(2), o.ActivitySync);
        Assert.Equal(TimeSpan.FromMinutes(2), o.PodStartTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.RecreateBackoff);
        Assert.Equal(TimeSpan.FromSeconds(90), o.RecreateBackoffMax);
        Assert.Equal(TimeSpan.FromSeconds(15), o.LeaseDuration);
        Assert.Equal(TimeSpan.FromMinutes(5), o.WarmPoolShrinkDelay);
        Assert.Equal(TimeSpan.FromMinutes(1), o.WarmPoolWindow);
    }

    [Fact]
    public void The_earlier_seconds_flags_are_aliases_in_whole_seconds()
    {
        var o = Bind("--idle-timeout-seconds", "600", "--route-check-seconds", "1", "--lease-duration-seconds", "3",
            "--warm-pool-window-seconds", "10");
        Assert.Equal(TimeSpan.FromMinutes(10), o.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), o.RouteCheck);
        Assert.Equal(TimeSpan.FromSeconds(3), o.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), o.WarmPoolWindow);
    }

    [Fact]
    public void Defaults_are_unchanged()
    {
        var o = Bind();
        Assert.Equal(TimeSpan.FromMinutes(30), o.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), o.RouteCheck);
        Assert.Equal(TimeSpan.FromSeconds(120), o.PodStartTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), o.RecreateBackoffMax);
    }

    [Theory]
    [InlineData("--pod-start-timeout", "soon", "--pod-start-timeout")]
    [InlineData("--idle-timeout", "-5", "--idle-timeout")]
    [InlineData("--idle-timeout", "5s", "at least 10 s")]
    [InlineData("--route-check", "0", "positive")]
    [InlineData("--recreate-backoff-max", "1", "--recreate-backoff-max")]
    public void A_bad_duration_is_refused_naming_its_flag(string flag, string value, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => Bind($"{flag}={value}")).Message);
}
