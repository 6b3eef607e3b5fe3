using System.Net;
using System.Security.Cryptography;
using HTagKube.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HTagKube.E2E.Tests.Ingress;

/// <summary>
/// Issue 27: the demo's upload page in Chromium through Debian nginx configured like ingress-nginx (TLS, HTTP/2),
/// once with ingress-nginx's own defaults (1m body, buffering on) and once with the chart's annotations (read from
/// charts/): with the chart's, a 5 MB file reaches the handler; a 12 MB one, over the ingress's and the app's
/// 10 MiB, is refused and the page says so.
/// </summary>
public sealed class UploadThroughIngressTests : IAsyncLifetime
{
    readonly TestCertificates _tls = TestCertificates.Create(IPAddress.Loopback);
    readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("htag-ingress-upload-");
    RouterProcess _router = null!;

    public async Task InitializeAsync() =>
        _router = await RouterProcess.StartAsync(["--trusted-proxies", "127.0.0.1", "--warm-pool", "0"]);

    public async Task DisposeAsync()
    {
        if (_router is not null) await _router.DisposeAsync();
        _files.Delete(recursive: true);
        _tls.Dispose();
    }

    string FileOf(string name, byte[] data)
    {
        var path = Path.Combine(_files.FullName, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    static async Task<IPage> UploadPageAsync(IBrowserContext context, IngressNginx nginx)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await page.OpenAsync(new Uri(nginx.BaseUri, "upload").ToString());
        await page.WaitForFunctionAsync("() => window.htag && window.htag.connected === true");
        return page;
    }

    /// <summary>
    /// Picks the file (again if the host's network churned under it: <see cref="SteadyUpload"/>); a failure to end says
    /// what nginx saw. Returns how many times it was picked.
    /// </summary>
    static async Task<int> PickAsync(IPage page, IngressNginx nginx, string file)
    {
        try { return await SteadyUpload.PickAsync(page, page.Locator("input.files"), file, TimeSpan.FromSeconds(60)); }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nnginx's access log:\n{nginx.AccessLog()}\nnginx's error log:\n{nginx.ErrorLog()}", e);
        }
    }

    [Fact]
    public async Task With_the_charts_annotations_5_MB_arrives_and_12_MB_shows_an_error_on_the_page()
    {
        var data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var five = FileOf("five.bin", data);
        var twelve = FileOf("twelve.bin", new byte[12 * 1024 * 1024]);
        var browser = await DebianChromium.SharedAsync();

        // ingress-nginx as installed, no annotation: its 1m limit refuses the 5 MB file, and the page says so.
        await using (var plain = await IngressNginx.StartAsync(_router.BaseAddress, _tls))
        {
            await using var context = await browser.NewContextAsync(new() { IgnoreHTTPSErrors = true });
            var page = await UploadPageAsync(context, plain);
            await PickAsync(page, plain, five);
            await Expect(page.Locator("#htag-upload-error")).ToContainTextAsync("'five.bin' is too large for the server (HTTP 413)");
            await Expect(page.Locator(".received li")).ToHaveCountAsync(0);
        }

        var settings = IngressNginx.Settings.FromChart();
        Assert.False(settings.ProxyRequestBuffering);
        await using var nginx = await IngressNginx.StartAsync(_router.BaseAddress, _tls, settings);
        await using (var context = await browser.NewContextAsync(new() { IgnoreHTTPSErrors = true }))
        {
            var page = await UploadPageAsync(context, nginx);
            var picks = await PickAsync(page, nginx, five);
            var received = $"five.bin: {data.Length} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(data))}";
            await Expect(page.Locator(".received li").First).ToHaveTextAsync(received, new() { Timeout = 60_000 });
            await Expect(page.Locator("#htag-upload-error")).ToHaveCountAsync(0);
            // Picked again after a churn, the file may have reached the app each time; whole and intact every time.
            var items = await page.Locator(".received li").AllInnerTextsAsync();
            Assert.InRange(items.Count, 1, picks);
            Assert.All(items, item => Assert.Equal(received, item));

            await PickAsync(page, nginx, twelve);
            await Expect(page.Locator("#htag-upload-error")).ToContainTextAsync("'twelve.bin'", new() { Timeout = 60_000 });
            await Expect(page.Locator("#htag-upload-error")).ToContainTextAsync("413");
            await Expect(page.Locator(".received li")).ToHaveCountAsync(items.Count);
        }
    }
}
