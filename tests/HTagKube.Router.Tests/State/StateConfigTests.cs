using HTagKube.Contract;
using HTagKube.Router.Hosting;
using Microsoft.Extensions.Configuration;

namespace HTagKube.Router.Tests.State;

/// <summary>The state flags: defaults, the retention's link to the idle timeout, and what stops the start.</summary>
public sealed class StateConfigTests
{
    static RouterOptions Bind(params string[] args)
    {
        var config = new ConfigurationBuilder()
            .AddCommandLine(RouterConfig.Flags.Normalize(args), RouterConfig.Flags.SwitchMappings).Build();
        return RouterConfig.Bind(config);
    }

    [Fact]
    public void Defaults_are_the_idle_timeout_and_the_contracts_size_and_no_fixed_url()
    {
        var o = Bind("--idle-timeout", "10m");
        Assert.Equal(TimeSpan.FromMinutes(10), o.EffectiveStateRetention);
        Assert.Equal(StateProtocol.DefaultMaxBytes, o.StateMaxBytes);
        Assert.Null(o.StateUrl);
    }

    [Fact]
    public void The_flags_are_read()
    {
        var o = Bind("--state-retention", "7d", "--state-max-bytes", "2048", "--state-url", "http://10.0.0.5:8000/");
        Assert.Equal(TimeSpan.FromDays(7), o.EffectiveStateRetention);
        Assert.Equal(2048, o.StateMaxBytes);
        Assert.Equal("http://10.0.0.5:8000", o.StateUrl);
    }

    [Theory]
    [InlineData("--state-retention", "0", "--state-retention must be positive")]
    [InlineData("--state-max-bytes", "1023", "--state-max-bytes must be between 1024")]
    [InlineData("--state-max-bytes", "-1", "--state-max-bytes must be between 1024")]
    [InlineData("--state-url", "10.0.0.5:8000", "--state-url must be a base URL")]
    [InlineData("--state-url", "http://10.0.0.5:8000/state", "--state-url must be a base URL")]
    [InlineData("--state-url", "ftp://10.0.0.5", "--state-url must be a base URL")]
    public void A_bad_value_stops_the_start_with_a_clear_message(string flag, string value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Bind(flag, value));
        Assert.Contains(message, e.Message);
    }
}
