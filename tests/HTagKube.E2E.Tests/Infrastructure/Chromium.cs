using Microsoft.Playwright;

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright. Never downloads a browser: ExecutablePath is fixed.
/// One browser per test class (xunit class fixture); a fresh context (cookie jar) per simulated user.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";
    IPlaywright? _playwright;
    IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} missing: apt-get install chromium");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
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
