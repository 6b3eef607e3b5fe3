using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace HTag.Server.Tests;

public class BrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task Counter_works_in_chromium_under_the_strict_csp()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/counter"));
        var errors = new List<string>();
        var page = await browser.NewPageAsync(errors);
        await page.OpenAsync(h.BaseUrl + "/counter");
        await Browser.WaitConnectedAsync(page);
        for (var i = 1; i <= 3; i++)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
            await Assertions.Expect(page.Locator(".count")).ToHaveTextAsync(new Regex($"^{i}$"));
        }
        await page.ReopenAsync();
        await Assertions.Expect(page.Locator(".count")).ToHaveTextAsync("3");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Dropped_socket_goes_offline_reconnects_and_resyncs_the_same_instance()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/counter"), o => o.MaxInteractionsPerSecond = 5);
        var page = await browser.NewPageAsync();
        await page.OpenAsync(h.BaseUrl + "/counter");
        await Browser.WaitConnectedAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
        await Assertions.Expect(page.Locator(".count")).ToHaveTextAsync("1");
        await page.EvaluateAsync("() => { window.sawOffline = false; new MutationObserver(() => { if (document.body.classList.contains('htag-offline') && document.body.classList.contains('htagoff')) window.sawOffline = true; }).observe(document.body, { attributes: true }); }");
        var instance = await page.EvaluateAsync<string>("() => document.documentElement.dataset.htagInstance");
        // A flood breaks the rate limit: the server closes the socket (1008); the instance lives on.
        await page.EvaluateAsync("() => { for (let i = 0; i < 40; i++) window.htag.send({ id: 'nope', ev: 'click' }); }");
        await page.WaitForFunctionAsync("() => window.sawOffline === true");
        await Browser.WaitConnectedAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
        await Assertions.Expect(page.Locator(".count")).ToHaveTextAsync("2");
        Assert.Equal(instance, await page.EvaluateAsync<string>("() => document.documentElement.dataset.htagInstance"));
        Assert.False(await page.EvaluateAsync<bool>("() => document.body.classList.contains('htag-offline') || document.body.classList.contains('htagoff')"));
    }

    [Fact]
    public async Task Without_window_error_an_error_goes_to_the_console_and_without_debug_no_overlay_shows()
    {
        await using var h = await Harness.StartAsync(s => s.Map<HangApp>("/hang"));
        var errors = new List<string>();
        var page = await browser.NewPageAsync(errors);
        await page.OpenAsync(h.BaseUrl + "/hang");
        await Browser.WaitConnectedAsync(page);
        await page.Locator("button.fail").ClickAsync();
        await Eventually.True(() => { lock (errors) return errors.Any(e => e.Contains("handler blew up")); }, TimeSpan.FromSeconds(10), "the console error");
        Assert.Equal(0, await page.Locator("#htag-error-overlay").CountAsync());
        // A page that defines window.error gets the text instead (htagweb's example sets window.error=alert).
        await page.EvaluateAsync("() => { window.seen = []; window.error = t => window.seen.push(t); }");
        await page.Locator("button.fail").ClickAsync();
        await page.WaitForFunctionAsync("() => window.seen.length === 1 && window.seen[0].includes('handler blew up')");
    }
}
