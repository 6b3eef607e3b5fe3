using HTagKube.E2E.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Microsoft.Playwright.Assertions;

namespace HTagKube.E2E.Tests.Apps;

/// <summary>
/// A style sheet from another origin (a loopback Kestrel standing in for a CDN), allowed for the demo's /cdn app by
/// configuration, through the router in Chromium; the strict CSP still blocks what was not allowed. Its own router:
/// the demo reads the CDN's URL from its environment, which the router's userpods inherit.
/// </summary>
public sealed class CdnTests : IAsyncLifetime
{
    WebApplication _cdn = null!;
    RouterProcess _router = null!;
    readonly Chromium _chromium = new();
    int _otherCssRequests;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _cdn = builder.Build();
        _cdn.MapGet("/lib/cdn.css", (HttpContext ctx) =>
        {
            ctx.Response.Headers.AccessControlAllowOrigin = "*";
            return Results.Text(".cdn-styled{color:rgb(12, 34, 56)}", "text/css");
        });
        _cdn.MapGet("/lib/other.css", () => { Interlocked.Increment(ref _otherCssRequests); return Results.Text("body{color:red}", "text/css"); });
        await _cdn.StartAsync();
        var cdnBase = _cdn.Urls.First().TrimEnd('/');
        await _chromium.InitializeAsync();
        _router = await RouterProcess.StartAsync(["--warm-pool", "0"], env: new Dictionary<string, string>
        {
            ["DEMO_CDN_STYLESHEET"] = cdnBase + "/lib/cdn.css",
        });
    }

    [Fact]
    public async Task A_cdn_style_sheet_allowed_by_config_styles_the_page_and_the_csp_stays_strict()
    {
        var page = await _chromium.NewUserPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add(m.Text); };
        var response = await page.GotoAsync(new Uri(_router.BaseAddress, "cdn").ToString());
        await AppsFixture.WaitReadyAsync(page);
        await Expect(page.Locator(".cdn-styled")).ToHaveCSSAsync("color", "rgb(12, 34, 56)");
        var csp = await response!.HeaderValueAsync("content-security-policy");
        Assert.Contains("style-src 'self' 'nonce-", csp);
        Assert.Contains(_cdn.Urls.First().TrimEnd('/'), csp);
        // Still strict for scripts: the nonce, no inline, no eval.
        var scriptSrc = csp!.Split(';').Single(d => d.Trim().StartsWith("script-src ", StringComparison.Ordinal));
        Assert.Matches("^ script-src 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'$", scriptSrc);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Without_the_allowance_another_origin_is_refused_by_the_csp()
    {
        // /files allows no other origin: a style sheet from the CDN added to it is blocked by the browser.
        var page = await _chromium.NewUserPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add(m.Text); };
        await page.GotoAsync(new Uri(_router.BaseAddress, "files").ToString());
        await AppsFixture.WaitReadyAsync(page);
        var url = _cdn.Urls.First().TrimEnd('/') + "/lib/other.css";
        await page.EvaluateAsync("u => { const l = document.createElement('link'); l.rel = 'stylesheet'; l.href = u; document.head.appendChild(l); }", url);
        await Eventually.True(() => Task.FromResult(errors.Any(e => e.Contains("Content Security Policy"))), TimeSpan.FromSeconds(15), "a CSP refusal in the console");
        Assert.Equal(0, Volatile.Read(ref _otherCssRequests));
    }

    public async Task DisposeAsync()
    {
        if (_router is not null) await _router.DisposeAsync();
        await _chromium.DisposeAsync();
        await _cdn.DisposeAsync();
    }
}
