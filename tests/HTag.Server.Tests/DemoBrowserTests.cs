using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace HTag.Server.Tests;

/// <summary>The demo program (a real process, HTAG_DEBUG=1) and Chromium, shared by <see cref="DemoBrowserTests"/>.</summary>
public sealed class DemoInChromium : IAsyncLifetime
{
    public DemoProcess Demo { get; private set; } = null!;
    public Browser Browser { get; } = new();

    public async Task InitializeAsync()
    {
        Demo = await DemoProcess.StartAsync(Harness.Token, new Dictionary<string, string> { ["HTAG_DEBUG"] = "1" });
        await Browser.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Demo.DisposeAsync();
    }
}

/// <summary>The issue #23 demos in Chromium: Render, fragments, yielded content, routes, errors, and the htagweb ports.</summary>
public class DemoBrowserTests(DemoInChromium fx) : IClassFixture<DemoInChromium>
{
    async Task<IPage> Open(string path, List<string>? errors = null)
    {
        var page = await fx.Browser.NewPageAsync(errors);
        await page.OpenAsync(fx.Demo.BaseUrl + path);
        await Browser.WaitConnectedAsync(page);
        return page;
    }

    [Fact]
    public async Task Render_rebuilds_the_list_handlers_keep_working_and_an_unchanged_render_sends_nothing()
    {
        var errors = new List<string>();
        var frames = new List<string>();
        var page = await fx.Browser.NewPageAsync(errors);
        page.WebSocket += (_, ws) => ws.FrameReceived += (_, f) => { lock (frames) frames.Add(f.Text ?? ""); };
        await page.OpenAsync(fx.Demo.BaseUrl + "/render");
        await Browser.WaitConnectedAsync(page);
        await page.Locator("input.fruit").FillAsync("kiwi");
        await page.Locator("button.add").ClickAsync();
        await Assertions.Expect(page.Locator(".count")).ToHaveTextAsync("3 fruit(s)");
        await Assertions.Expect(page.Locator(".basket .name")).ToHaveTextAsync(["apple", "pear", "kiwi"]);
        await page.GetByTitle("remove pear").ClickAsync();   // a button built by the previous Render
        await Assertions.Expect(page.Locator(".basket .name")).ToHaveTextAsync(["apple", "kiwi"]);
        var before = await page.Locator(".basket").InnerHTMLAsync();
        lock (frames) frames.Clear();
        await page.Locator("button.nothing").ClickAsync();
        await Eventually.True(() => { lock (frames) return frames.Any(f => f.Contains("\"ack\"")); }, TimeSpan.FromSeconds(10), "the reply");
        lock (frames) Assert.DoesNotContain(frames, f => f.Contains("\"update\""));
        Assert.Equal(before, await page.Locator(".basket").InnerHTMLAsync());
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Fragments_render_their_children_in_place_and_update()
    {
        var page = await Open("/fragment");
        for (var i = 1; i <= 3; i++)
        {
            await page.Locator("button.click").ClickAsync();
            await Assertions.Expect(page.Locator("dl.entries dd").First).ToHaveTextAsync(i.ToString());
        }
        await Assertions.Expect(page.Locator("dl.entries dt")).ToHaveTextAsync(["clicks", "last", "every third"]);
        // No wrapper: the dl holds only dt and dd elements.
        Assert.Equal("DT,DD,DT,DD,DT,DD", await page.EvaluateAsync<string>("() => [...document.querySelector('dl.entries').children].map(e => e.tagName).join()"));
    }

    [Fact]
    public async Task Yielded_tags_and_text_are_appended_and_streamed()
    {
        var page = await Open("/yield");
        // Every item count the page shows, recorded in the page: streamed means 1, 2, then 3, not 3 at once.
        await page.EvaluateAsync("() => { window.counts = []; new MutationObserver(() => { const n = document.querySelectorAll('.feed .item').length; if (window.counts.at(-1) !== n) window.counts.push(n); }).observe(document.body, { childList: true, subtree: true }); }");
        await page.Locator("button.fetch").ClickAsync();
        await Assertions.Expect(page.Locator(".feed .item")).ToHaveTextAsync(["item 1", "item 2", "item 3"]);
        var counts = await page.EvaluateAsync<int[]>("() => window.counts");
        Assert.Equal(new[] { 1, 2, 3 }, counts);
        await page.Locator(".letters").ClickAsync();
        await Assertions.Expect(page.Locator(".letters")).ToHaveTextAsync("letters: abc done");
    }

    [Fact]
    public async Task Routes_with_parameters_an_endpoint_choosing_the_app_and_the_session()
    {
        var page = await Open("/items/7?tab=specs");
        await Assertions.Expect(page.Locator(".item-args")).ToContainTextAsync("id = 7");
        await Assertions.Expect(page.Locator(".item-args")).ToContainTextAsync("tab = specs");
        await page.Locator("button.see").ClickAsync();
        await Assertions.Expect(page.Locator(".seen")).ToHaveTextAsync("1");
        Assert.Equal(404, (await page.OpenAsync(fx.Demo.BaseUrl + "/items/seven"))!.Status);
        await page.OpenAsync(fx.Demo.BaseUrl + "/docs/guide/intro");
        await Assertions.Expect(page.Locator(".doc-path")).ToHaveTextAsync("page: guide/intro");
        await page.OpenAsync(fx.Demo.BaseUrl + "/signin/ann"); // an endpoint writes the session, redirects to an app reading it
        await Assertions.Expect(page.Locator(".doc-user")).ToContainTextAsync("ann");
        Assert.EndsWith("/docs/after-sign-in", page.Url);
        await page.OpenAsync(fx.Demo.BaseUrl + "/pick/hello?name=bob");
        await Browser.WaitConnectedAsync(page);
        await page.Locator("input.name").FillAsync("zoe");
        await Assertions.Expect(page.Locator(".greeting")).ToHaveTextAsync("Hello zoe");
    }

    [Fact]
    public async Task Errors_reach_window_error_and_the_debug_overlay_with_the_stack()
    {
        var page = await Open("/errors");
        await page.Locator("button.throw").ClickAsync();
        await Assertions.Expect(page.Locator("#error-banner")).ToContainTextAsync("the handler failed");
        var overlay = page.Locator("#htag-error-overlay");
        await Assertions.Expect(overlay).ToBeVisibleAsync();
        await Assertions.Expect(overlay).ToContainTextAsync(new Regex("the handler failed[\\s\\S]*\\bat "));  // the stack (HTAG_DEBUG)
        await page.Locator(".htag-error-close").ClickAsync();
        await Assertions.Expect(overlay).ToHaveCountAsync(0);
        await page.Locator("button.render").ClickAsync();
        await Assertions.Expect(page.Locator("#error-banner")).ToContainTextAsync("the render failed");
        await page.Locator("button.init").ClickAsync();
        await Assertions.Expect(page.Locator("#error-banner")).ToContainTextAsync("the component's Init failed");
        await Assertions.Expect(overlay.Locator("pre")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task Htagweb_example_py_port_works()
    {
        var page = await fx.Browser.NewPageAsync();
        page.Dialog += (_, d) => _ = d.DismissAsync(); // window.error=alert
        await page.OpenAsync(fx.Demo.BaseUrl + "/example?v=1");
        await Browser.WaitConnectedAsync(page);
        await Assertions.Expect(page.Locator("body > div").First).ToContainTextAsync("V1 (pid:");
        await page.GetByRole(AriaRole.Button, new() { Name = "clear" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "inc integer" }).ClickAsync();
        await Assertions.Expect(page.Locator("pre")).ToContainTextAsync("\"integer\": 1"); // TagSession.Render
        await page.GetByRole(AriaRole.Button, new() { Name = "add list" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "add list" }).ClickAsync();
        await Assertions.Expect(page.Locator("pre")).ToContainTextAsync(new Regex("\"list\": \\[\\s*\"x\"\\s*\\]"));
        // The timer loop pushes the time into place every 0.5 s.
        var place = page.Locator("body > div").Last;
        var t1 = await place.InnerTextAsync();
        await Assertions.Expect(place).Not.ToHaveTextAsync(t1);
        // The other app, from an endpoint, http-only and parano.
        await page.GetByRole(AriaRole.Link, new() { Name = "Other app" }).ClickAsync();
        await page.WaitForURLAsync("**/example/jo");
        Assert.NotNull(await page.GetAttributeAsync("html", "data-htag-http-only"));
        await page.GetByRole(AriaRole.Button, new() { Name = "B" }).ClickAsync();
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("ABB");
        Assert.Equal(500, (await page.OpenAsync(fx.Demo.BaseUrl + "/example/kaputt"))!.Status);
    }

    [Fact]
    public async Task Htagweb_app1_py_port_works()
    {
        var page = await Open("/app1?toto=hi");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("query_params 'toto'=hi");
        await page.GetByRole(AriaRole.Button, new() { Name = "+h" }).ClickAsync();
        // The text after the two buttons (their labels are in the body's text too).
        await Assertions.Expect(page.Locator("body")).ToHaveTextAsync(new Regex("yield 123h$"));
        await page.EvaluateAsync("() => { window.texts = []; new MutationObserver(() => window.texts.push(document.body.textContent.split('yield 123')[1])).observe(document.body, { childList: true, subtree: true, characterData: true }); }");
        await page.GetByRole(AriaRole.Button, new() { Name = "yield 123" }).ClickAsync();
        await Assertions.Expect(page.Locator("body")).ToHaveTextAsync(new Regex("yield 123h123$"));
        Assert.Contains("h1", await page.EvaluateAsync<string[]>("() => window.texts")); // streamed: 1 shown before 3
    }

    [Fact]
    public async Task Components_state_per_class_call_with_this_toggle_class_and_style()
    {
        var page = await Open("/components");
        await page.Locator("button.tally-inc").First.ClickAsync();
        await Assertions.Expect(page.Locator(".tally").First).ToHaveTextAsync(new Regex("^[1-9][0-9]*$"));
        var n = await page.Locator(".tally").First.InnerTextAsync();
        await page.OpenAsync(fx.Demo.BaseUrl + "/components?again"); // a new instance: both tallies read their class's State
        await Assertions.Expect(page.Locator(".tally")).ToHaveTextAsync([n, n]);
        await Assertions.Expect(page.Locator(".other-n")).ToHaveTextAsync("unset"); // another class: its own slice
        await Browser.WaitConnectedAsync(page);
        await page.Locator("button.call").ClickAsync();
        await Assertions.Expect(page.Locator("button.call")).ToHaveTextAsync("this is BUTTON");
        await page.Locator("button.toggle").ClickAsync();
        await Assertions.Expect(page.Locator(".box")).ToHaveClassAsync(new Regex("\\bon\\b"));
        await page.Locator("button.pad").ClickAsync();
        await Assertions.Expect(page.Locator(".box")).ToHaveAttributeAsync("style", "padding:4px");
    }
}
