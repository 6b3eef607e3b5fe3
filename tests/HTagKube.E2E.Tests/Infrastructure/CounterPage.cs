using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>How the tests see the demo's Counter app in a browser.</summary>
public static class CounterPage
{
    public const string Path = "counter";

    public static async Task OpenAsync(IPage page, Uri router)
    {
        await page.OpenAsync(new Uri(router, Path).ToString());
        await WaitReadyAsync(page);
    }

    /// <summary>
    /// Navigation waits for `load`, after the deferred htag.js ran; clicks made before its WebSocket
    /// opens are queued by htag.js, so a visible button is enough.
    /// </summary>
    public static Task WaitReadyAsync(IPage page) =>
        page.GetByRole(AriaRole.Button, new() { Name = "+1" }).WaitForAsync();

    public static ILocator Count(IPage page) => page.Locator(".count");

    public static async Task<string> CountAsync(IPage page) => (await Count(page).InnerTextAsync()).Trim();

    public static async Task ClickPlusOneAsync(IPage page, int expected)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
        await Assertions.Expect(Count(page)).ToHaveTextAsync(new Regex($"^\\s*{expected}\\s*$"));
    }
}
