using Microsoft.Playwright;

namespace HTagKube.Testing;

/// <summary>
/// Debian's /usr/bin/chromium through Playwright. Never downloads a browser: the executable is fixed, and
/// the flags keep it off this machine's closed network (background networking, component updates, sync).
/// </summary>
public static class DebianChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    static readonly Lazy<Task<IBrowser>> Shared = new(async () => (await LaunchAsync()).Browser);

    /// <summary>
    /// One Chromium for the whole test process: a launch costs seconds of CPU on a loaded 2-core machine, and every
    /// simulated user gets its own context (cookie jar) anyway. Callers close the contexts they open, never the
    /// browser: it ends with the test process (Playwright's driver closes it when its pipe ends).
    /// </summary>
    public static Task<IBrowser> SharedAsync() => Shared.Value;

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
