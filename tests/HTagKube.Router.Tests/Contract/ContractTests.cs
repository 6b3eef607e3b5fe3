using HTagKube.Contract;

namespace HTagKube.Router.Tests.Contract;

/// <summary>The shared rules of contract/HTagKube.Contract: one duration format, one token format.</summary>
public sealed class ContractTests
{
    [Theory]
    [InlineData("1800", 1800)]
    [InlineData("0.5", 0.5)]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("200ms", 0.2)]
    [InlineData("1d", 86400)]
    [InlineData(" 15 ", 15)]
    [InlineData("00:30:00", 1800)]      // the .NET form flags were written in before: same meaning
    [InlineData("1.01:01:01", 90061)]
    [InlineData("00:00:00.2", 0.2)]
    public void Durations_read_seconds_units_and_the_earlier_form(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("5x")]
    [InlineData("m")]
    [InlineData("1h-3m")]
    [InlineData("1e9")]
    [InlineData("five")]
    [InlineData("1.2.3")]
    public void Anything_else_is_a_clear_format_error(string text)
    {
        var e = Assert.Throws<FormatException>(() => Durations.Parse(text));
        Assert.Contains("30s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Seconds_written_by_ToSeconds_read_back_the_same() =>
        Assert.Equal(TimeSpan.FromSeconds(1.5), Durations.Parse(Durations.ToSeconds(TimeSpan.FromSeconds(1.5))));

    [Fact]
    public void Tokens_are_256_random_bits_in_base64url_and_compare_exactly()
    {
        var a = Tokens.New();
        var b = Tokens.New();
        Assert.Equal(43, a.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", a);
        Assert.NotEqual(a, b);
        Assert.True(Tokens.AreEqual(a, a));
        Assert.False(Tokens.AreEqual(b, a));
        Assert.False(Tokens.AreEqual(a[..^1], a));
        Assert.False(Tokens.AreEqual(null, a));
    }
}
