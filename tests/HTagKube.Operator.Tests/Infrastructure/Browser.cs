using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>Debian's Chromium through Playwright (never downloads a browser); one context per simulated user.</summary>
public sealed class Browser : IAsyncDisposable
{
    IPlaywright? _playwright;
    IBrowser? _browser;

    public static async Task<Browser> StartAsync()
    {
        var (playwright, browser) = await DebianChromium.LaunchAsync();
        return new Browser { _playwright = playwright, _browser = browser };
    }

    /// <summary>A fresh cookie jar: a new HTagKube user.</summary>
    public async Task<IPage> NewUserAsync()
    {
        var context = await _browser!.NewContextAsync();
        var page = await context.NewPageAsync();
        // A first visit may wait for a pod to start (the router's "starting" page retries by itself).
        page.SetDefaultTimeout(60_000);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>The demo Counter at /counter, as a user sees it.</summary>
public static class Counter
{
    public static async Task OpenAsync(IPage page, Uri router)
    {
        await page.OpenAsync(new Uri(router, "counter").ToString());
        await PlusOne(page).WaitForAsync();
    }

    static ILocator PlusOne(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "+1" });

    public static async Task<string> CountAsync(IPage page) => (await page.Locator(".count").InnerTextAsync()).Trim();

    /// <summary>Click, then wait for the server's re-render to show <paramref name="expected"/>: one round trip.</summary>
    public static async Task ClickAsync(IPage page, int expected)
    {
        await PlusOne(page).ClickAsync();
        await Assertions.Expect(page.Locator(".count")).ToHaveTextAsync(new Regex($"^\\s*{expected}\\s*$"), new() { Timeout = 15_000 });
    }
}
