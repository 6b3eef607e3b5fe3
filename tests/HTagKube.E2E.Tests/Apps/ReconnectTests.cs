using System.Diagnostics;
using HTagKube.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HTagKube.E2E.Tests.Apps;

/// <summary>
/// htag.js backs off between reconnect attempts (up to 5 s), but it does not make a user wait out that backoff
/// when there is reason to think the way is clear again: the network comes back, or the user acts. The page's
/// clock is frozen (Playwright's fake timers), so a backoff timer can never fire: only the shortcut can reconnect.
/// </summary>
[Collection(nameof(AppsCollection))]
public sealed class ReconnectTests
{
    readonly AppsFixture _f;
    public ReconnectTests(AppsFixture f) => _f = f;

    /// <summary>A counter page whose clock is frozen, clicked once, and its userpod (tests of this class run one at a time).</summary>
    async Task<(IPage Page, int Userpod)> FrozenClockCounterAsync()
    {
        var before = _f.Router.Userpods;
        var page = await _f.Chromium.NewUserPageAsync();
        await page.Clock.InstallAsync();
        await page.OpenAsync(new Uri(_f.Router.BaseAddress, "counter").ToString());
        await AppsFixture.WaitReadyAsync(page);
        await page.Clock.PauseAtAsync(DateTime.Now.AddMinutes(1));
        var writes = await _f.Router.StateWritesAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
        await Expect(page.Locator(".count")).ToHaveTextAsync("1");
        await _f.Router.WaitStateWritesAsync(writes + 1); // the click's write goes beside its reply
        return (page, Assert.Single(_f.Router.Userpods.Except(before)));
    }

    /// <summary>Kills the page's userpod and waits until the page knows it is disconnected.</summary>
    static async Task KillUserpodAsync(IPage page, int pid)
    {
        await CounterPage.MarkOldAsync(page);
        Process.GetProcessById(pid).Kill();
        await page.WaitForFunctionAsync("() => document.body.classList.contains('htag-offline') && !window.htag.connected");
    }

    /// <summary>A new userpod, a new instance: the page resyncs (reloads) into the counter the user had (its State is
    /// durable), which works.</summary>
    static async Task CounterWorksAgainAsync(IPage page)
    {
        await CounterPage.WaitResyncedAsync(page, 1);
        await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
        await Expect(page.Locator(".count")).ToHaveTextAsync("2");
    }

    [Fact]
    public async Task Network_back_online_reconnects_at_once_not_after_the_backoff()
    {
        var (page, pid) = await FrozenClockCounterAsync();
        // Offline emulation does not cut an open WebSocket: the userpod's death does (and the router's
        // replacement userpod makes a working page again, once the browser reconnects).
        await page.Context.SetOfflineAsync(true);
        await KillUserpodAsync(page, pid);
        await page.Context.SetOfflineAsync(false);
        await CounterWorksAgainAsync(page);
    }

    [Fact]
    public async Task A_click_while_disconnected_reconnects_at_once_and_the_app_works_again()
    {
        var (page, pid) = await FrozenClockCounterAsync();
        await KillUserpodAsync(page, pid);
        // The click is queued and starts a connection attempt: the router starts a new userpod, and the page
        // resyncs into it.
        await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
        await CounterWorksAgainAsync(page);
    }

    [Fact]
    public async Task The_tab_shown_again_reconnects_at_once()
    {
        var (page, pid) = await FrozenClockCounterAsync();
        await KillUserpodAsync(page, pid);
        // What the browser fires when the user comes back to a hidden tab (a headless page is always visible).
        await page.EvaluateAsync("() => document.dispatchEvent(new Event('visibilitychange'))");
        await CounterWorksAgainAsync(page);
    }
}
