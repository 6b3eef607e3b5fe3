using Microsoft.Playwright;

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright, one per test process (<see cref="DebianChromium.SharedAsync"/>); never
/// downloads a browser. A fresh context (cookie jar) per simulated user, closed with the fixture.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    readonly List<IBrowserContext> _contexts = [];
    IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _browser = await DebianChromium.SharedAsync();

    /// <summary>A new browser context: its own cookies, so its own HTagKube user.</summary>
    public async Task<IPage> NewUserPageAsync()
    {
        var context = await Browser.NewContextAsync();
        lock (_contexts) _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        // A user's first page waits for their userpod process to start: 11 s seen with CI's load average at 30-50
        // (two test projects, an AOT publish and Chromium on 2 cores). Speed is the benchmarks' job, not this allowance.
        page.SetDefaultNavigationTimeout(60_000);
        return page;
    }

    public async Task DisposeAsync()
    {
        IBrowserContext[] all;
        lock (_contexts) { all = [.. _contexts]; _contexts.Clear(); }
        foreach (var c in all) await c.CloseAsync();
    }
}
