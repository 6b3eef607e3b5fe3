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
        await page.GotoAsync(h.BaseUrl + "/counter");
        await Browser.WaitConnectedAsync(page);
        for (var i = 1; i <= 3; i++)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
            await Assertions.Expect(page.Locator(".count")).ToHaveTextAsync(new Regex($"^{i}$"));
        }
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator(".count")).ToHaveTextAsync("3");
        Assert.Empty(errors);
    }
}
