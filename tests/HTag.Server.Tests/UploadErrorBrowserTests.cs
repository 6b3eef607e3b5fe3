using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HTag.Server.Tests;

/// <summary>
/// Issue 27: an upload refused anywhere on the way (this server's JSON 413, an ingress's or the router's own 413 page, a
/// timeout) reaches the app (Tag.OnUploadError) or, by default, is shown on the
/// page, not only in the console. Chromium under the strict CSP.
/// </summary>
public sealed class UploadErrorBrowserTests(Browser browser) : IClassFixture<Browser>
{
    // What ingress-nginx answers to a body over proxy-body-size.
    const string NginxTooLarge = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n" +
        "<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

    static FilePayload File(string name, int size) => new() { Name = name, MimeType = "application/octet-stream", Buffer = new byte[size] };

    async Task<(IPage Page, List<string> Errors)> OpenAsync(Harness h, string path)
    {
        var errors = new List<string>();
        var page = await browser.NewPageAsync(errors);
        await page.OpenAsync(h.BaseUrl + path);
        await Browser.WaitConnectedAsync(page);
        return (page, errors);
    }

    [Fact]
    public async Task The_servers_own_413_is_shown_on_the_page_by_default()
    {
        await using var h = await Harness.StartAsync(s => s.Map<UploadApp>("/"), o => o.MaxUploadBytes = 1024);
        var (page, errors) = await OpenAsync(h, "/");
        await page.Locator("input.file").SetInputFilesAsync(File("big.bin", 4096));
        var box = page.Locator("#htag-upload-error");
        await Expect(box).ToBeVisibleAsync();
        await Expect(box).ToContainTextAsync("'big.bin' is over the upload limit of 1 KB");
        await Expect(page.Locator(".got")).ToHaveTextAsync("none");
        // The page goes on: a small file after it arrives.
        await page.Locator("input.file").SetInputFilesAsync(File("small.bin", 10));
        await Expect(page.Locator(".got")).ToContainTextAsync("small.bin|");
        lock (errors) Assert.Contains(errors, e => e.Contains("big.bin"));
    }

    [Theory]
    [InlineData("text/html", NginxTooLarge)]                 // ingress-nginx's page
    [InlineData("text/plain", "Request body too large.")]    // the router's
    public async Task An_ingress_or_router_413_page_is_shown_on_the_page_by_default(string type, string body)
    {
        await using var h = await Harness.StartAsync(s => s.Map<UploadApp>("/"));
        var (page, _) = await OpenAsync(h, "/");
        await page.RouteAsync("**/_htag/upload**", r => r.FulfillAsync(new() { Status = 413, ContentType = type, Body = body }));
        await page.Locator("input.file").SetInputFilesAsync(File("twelve.bin", 100));
        await Expect(page.Locator("#htag-upload-error")).ToContainTextAsync("'twelve.bin' is too large for the server (HTTP 413)");
    }

    [Fact]
    public async Task The_apps_OnUploadError_gets_the_file_the_status_and_the_reason_and_no_box_shows()
    {
        await using var h = await Harness.StartAsync(s => s.Map<UploadErrorApp>("/"), o => o.MaxUploadBytes = 1024);
        var (page, _) = await OpenAsync(h, "/");
        await page.Locator("input.file").SetInputFilesAsync(File("big.bin", 4096));
        await Expect(page.Locator(".failed")).ToHaveTextAsync("big.bin|413|'big.bin' is over the upload limit of 1 KB");
        await page.RouteAsync("**/_htag/upload**",
            r => r.FulfillAsync(new() { Status = 413, ContentType = "text/html", Body = NginxTooLarge }));
        await page.Locator("input.file").SetInputFilesAsync(File("huge.bin", 100));
        await Expect(page.Locator(".failed")).ToHaveTextAsync("huge.bin|413|'huge.bin' is too large for the server (HTTP 413)");
        await page.UnrouteAllAsync();
        await page.Locator("input.file").SetInputFilesAsync(File("ok.bin", 10));
        await Expect(page.Locator(".got")).ToHaveTextAsync("ok.bin");
        Assert.Equal(0, await page.Locator("#htag-upload-error").CountAsync());
    }
}
