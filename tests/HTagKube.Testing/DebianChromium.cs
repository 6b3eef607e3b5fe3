using Microsoft.Playwright;

namespace HTagKube.Testing;

/// <summary>
/// Debian's /usr/bin/chromium through Playwright. Never downloads a browser: the executable is fixed, and
/// the flags keep it off this machine's closed network (background networking, component updates, sync).
/// </summary>
public static class DebianChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} missing: apt-get install chromium");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        // Expect(...) waits 5 s by default. A page's first answer can wait for a userpod's first WebSocket, through
        // the router, on a loaded 2-core CI machine: seconds of infrastructure, not product latency (the bench's job).
        Assertions.SetDefaultExpectTimeout(30_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
        return (playwright, browser);
    }
}
