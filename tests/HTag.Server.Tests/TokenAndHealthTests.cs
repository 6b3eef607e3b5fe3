using System.Net;

namespace HTag.Server.Tests;

public class TokenAndHealthTests
{
    [Fact]
    public async Task Requests_without_or_with_a_wrong_token_are_refused()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        using var bare = new HttpClient { BaseAddress = new Uri(h.BaseUrl) };
        var none = await bare.GetAsync("/");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/");
        wrong.Headers.Add("X-HTag-Token", "test-token-124");
        Assert.Equal(HttpStatusCode.Unauthorized, (await bare.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bare.GetAsync("/_htag/htag.js")).StatusCode);
        var ok = await h.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task WebSocket_without_token_is_refused()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        using var ws = new System.Net.WebSockets.ClientWebSocket();
        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            ws.ConnectAsync(new Uri(h.BaseUrl.Replace("http", "ws") + "/_htag/ws?app=/&i=x"), CancellationToken.None));
    }

    [Fact]
    public async Task Health_endpoints_need_no_token()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        using var bare = new HttpClient { BaseAddress = new Uri(h.BaseUrl) };
        Assert.Equal("ok", await bare.GetStringAsync("/healthz"));
        Assert.Equal("ok", await bare.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task Page_has_strict_csp_and_no_inline_script()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var resp = await h.Http.GetAsync("/");
        var csp = resp.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'nonce-", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.DoesNotContain("script-src 'unsafe-inline'", csp);
        var html = await resp.Content.ReadAsStringAsync();
        Assert.DoesNotContain(" onclick=", html);
        Assert.Matches("<script src=\"/_htag/htag.js\\?v=[0-9a-f]+\" nonce=\"[^\"]+\" defer></script>", html);
        var js = await h.Http.GetAsync("/_htag/htag.js");
        Assert.Equal("text/javascript", js.Content.Headers.ContentType!.MediaType);
        Assert.Contains("WebSocket", await js.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_path_is_404()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/counter"));
        Assert.Equal(HttpStatusCode.NotFound, (await h.Http.GetAsync("/nope")).StatusCode);
    }
}
