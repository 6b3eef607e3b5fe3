using System.ComponentModel;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace HTag.Server.Tests;

[Description("counts clicks on the server")]
public sealed class DescribedApp : Tag.Div
{
    protected override void Init() => Add(new Tag.H1("described"));
}

public sealed class PlainApp : Tag.Div
{
    protected override void Init() => Add(new Tag.H1("plain"));
}

/// <summary>The app browser: MapAppIndex, the debug-mode index at "/", and the demo's index made by it.</summary>
public sealed partial class AppIndexTests
{
    /// <summary>The index's items as (path, class, description) in page order.</summary>
    static List<(string Path, string Type, string Description)> Items(string html) =>
        [.. ItemRx().Matches(html).Select(m => (
            WebUtility.HtmlDecode(m.Groups["path"].Value),
            m.Groups["type"].Value,
            WebUtility.HtmlDecode(m.Groups["desc"].Value)))];

    [GeneratedRegex("""<li[^>]*class="htag-app">.*?<code[^>]*>(?<path>[^<]*)</code>.*?class="app-type">(?<type>[^<]*)</span>(?:<span[^>]*class="app-description"> — (?<desc>[^<]*)</span>)?</li>""")]
    private static partial Regex ItemRx();

    [Fact]
    public async Task The_index_lists_every_app_in_mapping_order_with_its_description_and_templates_as_text()
    {
        await using var h = await Harness.StartAsync(s => s
            .MapAppIndex("/", "My apps")
            .Map<DescribedApp>("/described")
            .Map<DescribedApp>("/again", description: "the same class, described by its Map call")
            .Map<PlainApp>("/plain", example: "/plain?x=1")
            .Map<DescribedApp>("/items/{id:int}", example: "/items/7")
            .MapGet("/report.csv", ctx => ctx.Response.WriteAsync("a,b")));
        var html = await h.Http.GetStringAsync("/");
        Assert.Contains("<title>My apps</title>", html);
        Assert.Equal(
            new[]
            {
                ("/described", "DescribedApp", "counts clicks on the server"),
                ("/again", "DescribedApp", "the same class, described by its Map call"),
                ("/plain", "PlainApp", ""),
                ("/items/{id:int}", "DescribedApp", "counts clicks on the server"),
            },
            Items(html));
        Assert.Contains("href=\"/described\"", html);
        Assert.Contains("href=\"/plain?x=1\"", html);
        Assert.Contains("href=\"/items/7\"", html);
        Assert.DoesNotContain("href=\"/items/{id:int}\"", html); // a template has no one URL: text, linked by its example
        Assert.DoesNotContain("report.csv", html);                // endpoints are not apps
        // The index is an app like the others: its page talks to its instance.
        var page = new AppPage(html);
        Assert.Equal("/", page.App);
        using var ws = await h.ConnectAsync(page);
    }

    [Fact]
    public async Task Debug_mode_serves_the_index_at_the_root_only_when_nothing_else_answers_it()
    {
        await using (var debug = await Harness.StartAsync(s => s.Map<DescribedApp>("/described"), o => o.Debug = true))
            Assert.Equal(new[] { ("/described", "DescribedApp", "counts clicks on the server") }, Items(await debug.Http.GetStringAsync("/")));

        await using (var plain = await Harness.StartAsync(s => s.Map<DescribedApp>("/described")))
            Assert.Equal(HttpStatusCode.NotFound, (await plain.Http.GetAsync("/")).StatusCode);

        await using (var rootApp = await Harness.StartAsync(s => s.Map<PlainApp>("/").Map<DescribedApp>("/d"), o => o.Debug = true))
            Assert.Contains(">plain</h1>", await rootApp.Http.GetStringAsync("/"));

        await using (var rootEndpoint = await Harness.StartAsync(
            s => s.Map<PlainApp>("/p").MapGet("/", ctx => ctx.Response.WriteAsync("endpoint")), o => o.Debug = true))
            Assert.Equal("endpoint", await rootEndpoint.Http.GetStringAsync("/"));

        await using (var catchAll = await Harness.StartAsync(s => s.Map<PlainApp>("/{*path}"), o => o.Debug = true))
            Assert.Contains(">plain</h1>", await catchAll.Http.GetStringAsync("/"));
    }

    [Fact]
    public void Map_arguments_of_the_index_are_checked()
    {
        var s = HTagServer.Create([]);
        Assert.Throws<ArgumentException>(() => s.Map<PlainApp>("/a", example: "a?x=1"));
        Assert.Throws<ArgumentException>(() => s.MapAppIndex("/items/{id}"));
        s.Map<PlainApp>("/");
        Assert.Throws<ArgumentException>(() => s.MapAppIndex("/"));
    }

    [Fact]
    public async Task The_demo_index_is_the_app_listing_with_every_demo_and_its_description()
    {
        await using var demo = await DemoProcess.StartAsync("demo-token");
        using var http = new HttpClient { BaseAddress = new Uri(demo.BaseUrl) };
        http.DefaultRequestHeaders.Add("X-HTag-Token", "demo-token");
        var html = await http.GetStringAsync("/");
        Assert.Contains("<title>HTag demos</title>", html);
        var items = Items(html);
        Assert.Contains(("/counter", "Counter", "a click handler changing one element"), items);
        Assert.Contains(("/counter-parano", "Counter", "the counter with AES-256-GCM encrypted interactions (parano)"), items);
        Assert.Contains(items, i => i is { Path: "/items/{id:int}", Type: "Item" });
        Assert.Contains(items, i => i is { Path: "/example", Type: "App" } && i.Description.Contains("example.py", StringComparison.Ordinal));
        Assert.All(items, i => Assert.NotEqual("", i.Description)); // every demo says what it shows
        Assert.True(items.Count >= 24, $"{items.Count} demos listed");
        foreach (var link in new[] { "/hello?world", "/whoami?x=1", "/items/1", "/app1?toto=hi" })
            Assert.Contains($"href=\"{link}\"", html);
    }
}
