using Microsoft.Playwright;

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright. Never downloads a browser: ExecutablePath is fixed.
/// One browser per test class (xunit class fixture); a fresh context (cookie jar) per simulated user.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    IPlaywright? _playwright;
    IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await DebianChromium.LaunchAsync();
    }

    /// <summary>A new browser context: its own cookies, so its own HTagKube user.</summary>
    public async Task<IPage> NewUserPageAsync()
    {
        var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
