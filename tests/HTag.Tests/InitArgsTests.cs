
namespace HTag.Tests;

public class InitArgsTests
{
    sealed class Hello : Tag.Div
    {
        public string? Got;
        protected override void Init() => Got = "none";
        void Init(string name, int times = 1) => Got = $"{name} x{times}";
    }

    sealed class Pair : Tag.Div
    {
        public string? Got;
        void Init(string a, string b) => Got = a + "|" + b;
    }

    static string? Run<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(InitArgs.AppMembers)] T>(string? query) where T : Tag, new()
    {
        var app = new T();
        InitArgs.Run(app, typeof(T), query);
        return (string?)typeof(T).GetField("Got")!.GetValue(app);
    }

    [Fact]
    public void Parses_positional_and_named_like_url2ak()
    {
        var (pos, named) = InitArgs.Parse("?a&b%20c&k=v&x=1+2&empty=");
        Assert.Equal(["a", "b c"], pos);
        Assert.Equal("v", named["k"]);
        Assert.Equal("1 2", named["x"]);
        Assert.Equal("", named["empty"]);
    }

    [Theory]
    [InlineData(null, "none")]
    [InlineData("", "none")]
    [InlineData("?bob", "bob x1")]
    [InlineData("?bob&3", "bob x3")]
    [InlineData("?name=ann&times=2", "ann x2")]
    [InlineData("?ann&times=4", "ann x4")]
    [InlineData("?name=x&unknown=1", "x x1")]
    [InlineData("?utm_source=mail", "none")]
    [InlineData("?ann&fbclid=abc&times=2", "ann x2")]
    public void Query_maps_to_the_init_overload_that_accepts_it_and_ignores_names_no_overload_has(string? query, string expected) =>
        Assert.Equal(expected, Run<Hello>(query));

    [Theory]
    [InlineData("?times=notanumber&name=x")]
    [InlineData("?times=2")]
    [InlineData("?a&b&c")]
    public void A_query_meant_for_an_overload_that_fits_none_is_an_error_not_the_plain_init(string query)
    {
        var e = Assert.Throws<InitQueryException>(() => Run<Hello>(query));
        Assert.Contains("Init(String name, Int32 times = 1)", e.Message);
    }

    sealed class Two : Tag.Div
    {
        public string? Got;
        void Init(string name) => Got = "one:" + name;
        void Init(string name, int times) => Got = $"two:{name} x{times}";
    }

    [Fact]
    public void The_overload_taking_the_most_query_values_wins()
    {
        Assert.Equal("one:a", Run<Two>("?name=a"));
        Assert.Equal("two:a x3", Run<Two>("?name=a&times=3"));
        Assert.Equal("two:a x3", Run<Two>("?a&3"));
    }

    [Fact]
    public void Init_without_a_matching_overload_builds_with_none_only_when_the_query_did_not_mean_one()
    {
        Assert.Equal("1|2", Run<Pair>("?1&2"));
        Assert.Null(Run<Pair>("?other=1"));
        Assert.Throws<InitQueryException>(() => Run<Pair>("?only"));
    }
}
