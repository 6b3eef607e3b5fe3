using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HTagKube.E2E.Tests.Apps;

/// <summary>
/// Every demo app driven in Chromium through the router, under the userpod's strict Content-Security-Policy:
/// any CSP violation or script error shows up in the console, and each test asserts there is none.
/// </summary>
[Collection(nameof(AppsCollection))]
public sealed class DemoAppsTests(AppsFixture apps)
{
    static ILocator Button(IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    [Fact]
    public async Task Index_links_every_demo_and_is_served_under_a_strict_csp()
    {
        var page = await apps.Chromium.NewUserPageAsync();
        var response = await page.OpenAsync(apps.Router.BaseAddress.ToString());
        var csp = await response!.HeaderValueAsync("content-security-policy");
        Assert.Contains("script-src 'nonce-", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        foreach (var path in new[] { "/counter", "/hello?world", "/todo", "/clock", "/progress", "/form", "/slow", "/whoami?x=1", "/startup", "/files", "/expose", "/upload", "/cdn", "/counter-http", "/counter-parano" })
            await Expect(page.Locator($"a[href=\"{path}\"]")).ToHaveCountAsync(1);
        await page.Locator("a[href=\"/counter\"]").ClickAsync();
        await AppsFixture.WaitReadyAsync(page);
        await Button(page, "+1").ClickAsync();
        await Expect(page.Locator(".count")).ToHaveTextAsync("1");
    }

    [Theory]
    [InlineData("/counter")]
    [InlineData("/counter-http")]
    [InlineData("/counter-parano")]
    public async Task Counter_works_over_websocket_http_only_and_parano(string path)
    {
        var (page, errors) = await apps.OpenAsync(path);
        for (var i = 1; i <= 3; i++)
        {
            await Button(page, "+1").ClickAsync();
            await Expect(page.Locator(".count")).ToHaveTextAsync(i.ToString());
        }
        await page.ReopenAsync();
        await Expect(page.Locator(".count")).ToHaveTextAsync("3");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Hello_maps_the_query_to_init_updates_on_input_and_exit_restarts_it()
    {
        var (page, errors) = await apps.OpenAsync("/hello?ann");
        await Expect(page.Locator(".greeting")).ToHaveTextAsync("Hello ann");
        Assert.Equal("Hello ann", await page.TitleAsync());
        await page.Locator("input.name").FillAsync("zed");
        await Expect(page.Locator(".greeting")).ToHaveTextAsync("Hello zed");
        await page.OpenAsync(new Uri(apps.Router.BaseAddress, "hello?name=bob").ToString());
        await Expect(page.Locator(".greeting")).ToHaveTextAsync("Hello bob");
        await AppsFixture.WaitReadyAsync(page);
        await page.Locator("input.name").FillAsync("x");
        await Expect(page.Locator(".greeting")).ToHaveTextAsync("Hello x");
        await Button(page, "Exit").ClickAsync();
        // The instance ended; the page reloads and gets a fresh one built from the same query.
        await Expect(page.Locator(".greeting")).ToHaveTextAsync("Hello bob");
        await AppsFixture.WaitReadyAsync(page);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Todo_adds_checks_removes_and_keeps_items_across_reload()
    {
        var (page, errors) = await apps.OpenAsync("/todo");
        foreach (var text in new[] { "milk", "eggs", "bread" })
        {
            await page.Locator("input.new").FillAsync(text);
            await page.Locator("input.new").PressAsync("Enter");
            await Expect(page.Locator(".todos .text").Last).ToHaveTextAsync(text);
            await Expect(page.Locator("input.new")).ToHaveValueAsync("");
        }
        await page.Locator(".todos li").Nth(1).Locator("input.toggle").CheckAsync();
        await Expect(page.Locator(".todos li").Nth(1).Locator(".text")).ToHaveClassAsync(new Regex("done"));
        await page.Locator(".todos li").Nth(0).Locator("button.remove").ClickAsync();
        await Expect(page.Locator(".todos .text")).ToHaveTextAsync(["eggs", "bread"]);
        await page.ReopenAsync();
        await Expect(page.Locator(".todos .text")).ToHaveTextAsync(["eggs", "bread"]);
        await Expect(page.Locator(".todos li").Nth(0).Locator("input.toggle")).ToBeCheckedAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Clock_push_rerenders_the_parent_while_typing_keeps_text_and_focus()
    {
        var (page, errors) = await apps.OpenAsync("/clock");
        var input = page.Locator("input.note");
        await input.ClickAsync();
        var start = int.Parse(await page.Locator(".card").GetAttributeAsync("data-tick") ?? "0");
        foreach (var ch in "hello world")
        {
            await page.Keyboard.TypeAsync(ch.ToString());
            await Task.Delay(150); // typing speed of a person: the clock ticks while we type
        }
        // At least two pushes re-rendered the card (input included) while we typed.
        await page.WaitForFunctionAsync($"() => +document.querySelector('.card').dataset.tick >= {start + 2}");
        await Expect(input).ToHaveValueAsync("hello world");
        Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement === document.querySelector('input.note')"));
        await page.Keyboard.TypeAsync("!");
        await Expect(input).ToHaveValueAsync("hello world!");
        var t1 = await page.Locator(".time").InnerTextAsync();
        await Expect(page.Locator(".time")).Not.ToHaveTextAsync(t1);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Progress_bar_is_fed_by_a_background_job()
    {
        var (page, errors) = await apps.OpenAsync("/progress");
        await Button(page, "Start").ClickAsync();
        await Expect(page.Locator(".status")).ToHaveTextAsync(new Regex("^(running|[0-9]+%)$"));
        await Expect(page.Locator(".status")).ToHaveTextAsync("done");
        await Expect(page.Locator("progress")).ToHaveAttributeAsync("value", "100");
        await Expect(Button(page, "Start")).ToBeEnabledAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Form_validates_and_submits_every_field()
    {
        var (page, errors) = await apps.OpenAsync("/form");
        await Button(page, "Send").ClickAsync();
        await Expect(page.Locator(".result .error")).ToHaveTextAsync("Name is required");
        // Call(js) focused the name field.
        await page.WaitForFunctionAsync("() => document.activeElement === document.querySelector('input.name')");
        await page.Locator("input.name").FillAsync("Ann <b>");
        await page.Locator("input.email").FillAsync("ann@example.org");
        await page.Locator("select.color").SelectOptionAsync("blue");
        await page.Locator("input.agree").CheckAsync();
        await Button(page, "Send").ClickAsync();
        await Expect(page.Locator(".thanks")).ToHaveTextAsync("Thanks Ann <b> <ann@example.org>, you like blue and you agree.");
        Assert.Equal(0, await page.Locator(".thanks b").CountAsync()); // escaped, not markup
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Slow_streams_steps_and_waits_for_async_handlers()
    {
        var (page, errors) = await apps.OpenAsync("/slow");
        var seen = new List<string>();
        await page.ExposeFunctionAsync("seenStatus", (string s) => { lock (seen) seen.Add(s); });
        await page.EvaluateAsync("() => new MutationObserver(() => window.seenStatus(document.querySelector('.status').textContent)).observe(document.body, {subtree: true, childList: true, characterData: true})");
        await Button(page, "Steps").ClickAsync();
        await Expect(page.Locator(".status")).ToHaveTextAsync("all steps done", new() { Timeout = 10_000 });
        lock (seen) Assert.Contains("step 3/5", seen); // intermediate updates reached the browser
        await Button(page, "Wait 2 s").ClickAsync();
        await Expect(page.Locator(".status")).ToHaveTextAsync("waited 2 s", new() { Timeout = 10_000 });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Two_tabs_of_one_user_with_different_queries_do_not_replace_each_other_in_a_loop()
    {
        var (tab1, errors) = await apps.OpenAsync("/hello?ann");
        var tab2 = await tab1.Context.NewPageAsync();
        await tab2.OpenAsync(new Uri(apps.Router.BaseAddress, "hello?bob").ToString());
        await AppsFixture.WaitReadyAsync(tab2);
        // Tab 1's instance was replaced: it goes offline and stays so (no reconnect that would replace tab 2's).
        await tab1.WaitForFunctionAsync("() => document.body.classList.contains('htag-offline')");
        await Task.Delay(1500);
        Assert.True(await tab2.EvaluateAsync<bool>("() => window.htag.connected"));
        await tab2.Locator("input.name").FillAsync("bobby");
        await Expect(tab2.Locator(".greeting")).ToHaveTextAsync("Hello bobby");
        // Using tab 1 again reloads it with its own query.
        await tab1.Locator("input.name").FillAsync("x");
        await Expect(tab1.Locator(".greeting")).ToHaveTextAsync("Hello ann");
        await AppsFixture.WaitReadyAsync(tab1);
        Assert.Empty(errors);
    }
}
