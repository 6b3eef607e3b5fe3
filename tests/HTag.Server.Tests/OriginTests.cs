using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace HTag.Server.Tests;

/// <summary>
/// Issue 27, probe finding 1 at the userpod (defence in depth: a userpod reached without the router): a page of another
/// origin may not use the session endpoints, and a socket adopts a new instance only for the page's own origin.
/// </summary>
public sealed class OriginTests
{
    public static TheoryData<string, string?, string?> ForeignCalls => new()
    {
        { "post", "http://localhost:9", null },      // a sibling origin (another port)
        { "call", "null", null },                    // a sandboxed or file: page
        { "upload", "http://evil.example", null },
        { "call", null, "cross-site" },              // no Origin, but the browser says where it comes from
        { "post", null, "same-site" },
    };

    [Theory]
    [MemberData(nameof(ForeignCalls))]
    public async Task A_call_from_another_origin_is_refused(string endpoint, string? origin, string? fetchSite)
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var page = await h.GetPageAsync("/");
        using var req = new HttpRequestMessage(HttpMethod.Post, $"/_htag/{endpoint}?app=/&i={page.Instance}&name=x&id=x")
        { Content = new StringContent($"{{\"id\":\"{page.IdOf("class=\"inc\"")}\",\"ev\":\"click\"}}", Encoding.UTF8, "text/plain") };
        if (origin is not null) req.Headers.TryAddWithoutValidation("Origin", origin);
        if (fetchSite is not null) req.Headers.TryAddWithoutValidation("Sec-Fetch-Site", fetchSite);
        Assert.Equal(HttpStatusCode.Forbidden, (await h.Http.SendAsync(req)).StatusCode);
    }

    [Fact]
    public async Task A_call_from_the_pages_own_origin_or_through_the_router_goes_through()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var page = await h.GetPageAsync("/");
        using var own = new HttpRequestMessage(HttpMethod.Post, $"/_htag/call?app=/&i={page.Instance}&name=nope") { Content = new StringContent("[]") };
        own.Headers.TryAddWithoutValidation("Origin", h.BaseUrl);
        own.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.NotFound, (await h.Http.SendAsync(own)).StatusCode); // no such method: past the check
        // Through the router the page's host is the router's X-Forwarded-Host, not the userpod's address.
        using var relayed = new HttpRequestMessage(HttpMethod.Post, $"/_htag/call?app=/&i={page.Instance}&name=nope") { Content = new StringContent("[]") };
        relayed.Headers.TryAddWithoutValidation("Origin", "https://apps.example.com");
        relayed.Headers.TryAddWithoutValidation("X-Forwarded-Host", "apps.example.com");
        Assert.Equal(HttpStatusCode.NotFound, (await h.Http.SendAsync(relayed)).StatusCode);
    }

    static async Task<ClientWebSocket> SocketAsync(Harness h, string query, string? origin)
    {
        var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        ws.Options.SetRequestHeader("X-HTag-Token", Harness.Token);
        if (origin is not null) ws.Options.SetRequestHeader("Origin", origin);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await ws.ConnectAsync(new Uri(h.BaseUrl.Replace("http://", "ws://") + "/_htag/ws?" + query), cts.Token); }
        catch (WebSocketException) { }
        return ws;
    }

    [Fact]
    public async Task A_websocket_from_another_origin_is_refused()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var page = await h.GetPageAsync("/");
        using var ws = await SocketAsync(h, $"app=%2F&i={page.Instance}", "http://localhost:9");
        Assert.Equal(HttpStatusCode.Forbidden, ws.HttpStatusCode);
        Assert.NotEqual(WebSocketState.Open, ws.State);
    }

    [Fact]
    public async Task A_socket_without_the_pages_origin_is_not_handed_the_live_instance()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        await h.GetPageAsync("/?a");
        using var raw = await SocketAsync(h, "app=%2F&i=0000000000000000&q=%3Fa", origin: null);
        Assert.Equal(WebSocketState.Open, raw.State);
        using var ws = new WsClient(raw);
        var first = (await ws.ReceiveAsync())!.Value;
        Assert.True(first.TryGetProperty("reload", out _), first.ToString());
        Assert.False(first.TryGetProperty("instance", out _));
    }
}
