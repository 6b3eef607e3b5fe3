using Microsoft.Playwright;

namespace HTag.Server.Tests;

/// <summary>Debian's Chromium via Playwright (never downloads a browser), shared by a test class.</summary>
public sealed class Browser : IAsyncLifetime
{
    IPlaywright? _playwright;
    IBrowser? _browser;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await DebianChromium.LaunchAsync();
    }

    /// <summary>A fresh page whose requests (WebSocket included) carry the userpod token, as the router adds it.</summary>
    public async Task<IPage> NewPageAsync(List<string>? consoleErrors = null)
    {
        var ctx = await _browser!.NewContextAsync(new() { ExtraHTTPHeaders = new Dictionary<string, string> { ["X-HTag-Token"] = Harness.Token } });
        var page = await ctx.NewPageAsync();
        page.SetDefaultTimeout(10_000);
        if (consoleErrors is not null)
        {
            page.Console += (_, m) => { if (m.Type == "error") lock (consoleErrors) consoleErrors.Add(m.Text); };
            page.PageError += (_, e) => { lock (consoleErrors) consoleErrors.Add(e); };
        }
        return page;
    }

    public static Task WaitConnectedAsync(IPage page) =>
        page.WaitForFunctionAsync("() => window.htag && window.htag.connected === true");

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
