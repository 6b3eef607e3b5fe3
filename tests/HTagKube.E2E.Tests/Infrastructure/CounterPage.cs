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

    /// <summary>
    /// Marks the page's count element, so that <see cref="WaitResyncedAsync"/> can tell the element a new instance
    /// rendered from the old one: with durable state both show the same number, and a click on the old page while the
    /// new instance's render is on its way is rightly dropped by htag.js ("the app restarted").
    /// </summary>
    public static Task MarkOldAsync(IPage page) => page.EvaluateAsync("() => { document.querySelector('.count').dataset.old = '1'; }");

    /// <summary>Waits until the page is connected and shows a count element rendered since <see cref="MarkOldAsync"/>,
    /// with <paramref name="expected"/>.</summary>
    public static Task WaitResyncedAsync(IPage page, int expected, float timeoutMs = 30_000) =>
        page.WaitForFunctionAsync(
            "n => { const c = document.querySelector('.count'); return window.htag && window.htag.connected === true && c && !c.dataset.old && c.textContent.trim() === String(n); }",
            expected, new() { Timeout = timeoutMs });

    public static async Task ClickPlusOneAsync(IPage page, int expected)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
        await Assertions.Expect(Count(page)).ToHaveTextAsync(new Regex($"^\\s*{expected}\\s*$"));
    }
}
