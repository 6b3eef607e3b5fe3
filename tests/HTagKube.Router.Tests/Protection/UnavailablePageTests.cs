using HTagKube.Router.Proxy;
using Microsoft.AspNetCore.Http;

namespace HTagKube.Router.Tests.Protection;

/// <summary>
/// The 503 a user meets when sessions are briefly unavailable (the route table slow or down, a failed start): a browser
/// page reloads by itself after the Retry-After, as the "starting" page does; other clients get text and Retry-After.
/// </summary>
public sealed class UnavailablePageTests
{
    static async Task<(HttpResponse Response, string Body)> WriteAsync(bool navigation)
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.Method = "GET";
        if (navigation) ctx.Request.Headers["Sec-Fetch-Mode"] = "navigate";
        var body = new MemoryStream();
        ctx.Response.Body = body;
        await Pages.WriteUnavailableAsync(ctx, "Sessions are briefly unavailable; retry shortly.");
        return (ctx.Response, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task A_navigation_gets_a_page_that_reloads_itself_after_the_retry_after()
    {
        var (res, html) = await WriteAsync(navigation: true);
        Assert.Equal(503, res.StatusCode);
        Assert.Equal("2", res.Headers.RetryAfter.ToString());
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"2\">", html, StringComparison.Ordinal);
        Assert.Contains("Sessions are briefly unavailable", html, StringComparison.Ordinal);
        Assert.Equal("no-store", res.Headers.CacheControl.ToString());
    }

    [Fact]
    public async Task Another_client_gets_text_with_the_retry_after()
    {
        var (res, text) = await WriteAsync(navigation: false);
        Assert.Equal(503, res.StatusCode);
        Assert.Equal("2", res.Headers.RetryAfter.ToString());
        Assert.StartsWith("text/plain", res.ContentType, StringComparison.Ordinal);
        Assert.DoesNotContain("refresh", text, StringComparison.Ordinal);
    }
}
