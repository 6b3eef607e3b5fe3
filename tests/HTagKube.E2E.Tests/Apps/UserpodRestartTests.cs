using System.Diagnostics;
using HTagKube.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HTagKube.E2E.Tests.Apps;

/// <summary>Timing-sensitive tests run alone (after the parallel ones) so that other tests' load does not skew them.</summary>
[CollectionDefinition(nameof(TimingSensitive), DisableParallelization = true)]
public sealed class TimingSensitive;

/// <summary>The userpod process dies mid-session: htag.js goes offline, reconnects, and the app works again fast.</summary>
[Collection(nameof(TimingSensitive))]
public sealed class UserpodRestartTests : IClassFixture<Chromium>, IAsyncLifetime
{
    readonly Chromium _chromium;
    RouterProcess _router = null!;

    public UserpodRestartTests(Chromium chromium) => _chromium = chromium;

    public async Task InitializeAsync() => _router = await RouterProcess.StartAsync();
    public async Task DisposeAsync() => await _router.DisposeAsync();

    const int RecoveryMs = 30_000;

    [Fact]
    public async Task Killing_the_userpod_then_clicking_ends_in_a_working_app_at_the_users_count()
    {
        var page = await _chromium.NewUserPageAsync();
        await page.OpenAsync(new Uri(_router.BaseAddress, "counter").ToString());
        await AppsFixture.WaitReadyAsync(page);
        var plus = page.GetByRole(AriaRole.Button, new() { Name = "+1" });
        var writes = await _router.StateWritesAsync();
        await plus.ClickAsync();
        await Expect(page.Locator(".count")).ToHaveTextAsync("1");
        await _router.WaitStateWritesAsync(writes + 1); // the click's write goes beside its reply
        await page.EvaluateAsync("() => { window.sawOffline = false; new MutationObserver(() => { if (document.body.classList.contains('htag-offline')) window.sawOffline = true; }).observe(document.body, { attributes: true }); }");

        var pid = Assert.Single(_router.Userpods);
        // The new userpod is a warm one, as on a router up for more than a few seconds (a cold start alone can
        // take 2 s on a loaded machine).
        await _router.WaitWarmPoolReadyAsync(2);
        // The browser is kept off the network around the click, so the click surely happens while disconnected:
        // with a warm pool the page can be back on a new userpod before a click lands, and a click after the
        // reconnect rightly counts on the new instance (the test could not tell which happened).
        await CounterPage.MarkOldAsync(page);
        await page.Context.SetOfflineAsync(true);
        Process.GetProcessById(pid).Kill();
        await Eventually.True(() => !ProcessTree.IsAlive(pid), TimeSpan.FromSeconds(5), "userpod killed");
        await page.WaitForFunctionAsync("() => window.sawOffline === true"); // htag-offline while disconnected
        await plus.ClickAsync(new() { Timeout = 2_000 });
        Assert.False(await page.EvaluateAsync<bool>("() => window.htag.connected"), "the click happened while disconnected");
        await page.Context.SetOfflineAsync(false);
        // A new userpod, a new instance: the page resyncs (reloads) into a working counter at the count the user had
        // (the click made while disconnected never reached a userpod).
        // Deadlines for a loaded machine, not a latency figure (CI run w3, a core busy: the resync outlived a 2 s
        // budget): how fast a user is back belongs to a benchmark.
        await CounterPage.WaitResyncedAsync(page, 1, RecoveryMs);
        await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync(new() { Timeout = RecoveryMs });
        await Expect(page.Locator(".count")).ToHaveTextAsync("2", new() { Timeout = RecoveryMs });
        Assert.NotEqual(pid, Assert.Single(_router.Userpods));
    }
}
