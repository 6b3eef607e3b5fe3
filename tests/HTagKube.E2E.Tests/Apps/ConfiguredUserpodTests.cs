using HTagKube.E2E.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Microsoft.Playwright.Assertions;

namespace HTagKube.E2E.Tests.Apps;

/// <summary>
/// Demo userpods configured through the environment (their own router; its userpods inherit it): a style sheet from
/// another origin (a loopback Kestrel standing in for a CDN) allowed for the demo's /cdn app by configuration, while
/// the strict CSP still blocks what was not allowed; and HTAG_DEBUG=1 showing a failing Init's stack trace.
/// </summary>
public sealed class ConfiguredUserpodTests : IAsyncLifetime
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
            ["HTAG_DEMO_CDN_STYLESHEET"] = cdnBase + "/lib/cdn.css",
            ["HTAG_DEBUG"] = "1",
        });
    }

    [Fact]
    public async Task A_cdn_style_sheet_allowed_by_config_styles_the_page_and_the_csp_stays_strict()
    {
        var page = await _chromium.NewUserPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add(m.Text); };
        var response = await page.OpenAsync(new Uri(_router.BaseAddress, "cdn").ToString());
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
        await page.OpenAsync(new Uri(_router.BaseAddress, "files").ToString());
        await AppsFixture.WaitReadyAsync(page);
        var url = _cdn.Urls.First().TrimEnd('/') + "/lib/other.css";
        await page.EvaluateAsync("u => { const l = document.createElement('link'); l.rel = 'stylesheet'; l.href = u; document.head.appendChild(l); }", url);
        await Eventually.True(() => Task.FromResult(errors.Any(e => e.Contains("Content Security Policy"))), TimeSpan.FromSeconds(15), "a CSP refusal in the console");
        Assert.Equal(0, Volatile.Read(ref _otherCssRequests));
    }

    [Fact]
    public async Task With_debug_an_init_exception_shows_its_stack_trace_in_the_browser()
    {
        var page = await _chromium.NewUserPageAsync();
        var response = await page.OpenAsync(new Uri(_router.BaseAddress, "startup?mode=throw").ToString());
        Assert.Equal(500, response!.Status);
        await Expect(page.Locator("h1.htag-error")).ToHaveTextAsync("The app failed to start");
        await Expect(page.Locator("pre.htag-error-detail")).ToContainTextAsync("System.InvalidOperationException: Init failed on purpose");
        await Expect(page.Locator("pre.htag-error-detail")).ToContainTextAsync("at HTagKube.Demo.Startup.Init(String mode)");
    }

    public async Task DisposeAsync()
    {
        if (_router is not null) await _router.DisposeAsync();
        await _chromium.DisposeAsync();
        await _cdn.DisposeAsync();
    }
}
