using HTag;

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
    [InlineData("?times=notanumber&name=x", "none")]
    [InlineData("?name=x&unknown=1", "none")]
    [InlineData("?a&b&c", "none")]
    public void Query_maps_to_the_init_overload_that_accepts_it(string? query, string expected) =>
        Assert.Equal(expected, Run<Hello>(query));

    [Fact]
    public void Init_without_a_matching_overload_builds_with_none()
    {
        Assert.Equal("1|2", Run<Pair>("?1&2"));
        Assert.Null(Run<Pair>("?only"));
    }
}
