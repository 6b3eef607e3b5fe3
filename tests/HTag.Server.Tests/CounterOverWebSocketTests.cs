namespace HTag.Server.Tests;

public class CounterOverWebSocketTests
{
    [Fact]
    public async Task Clicks_increment_over_the_websocket_and_state_survives_reload()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var page = await h.GetPageAsync("/");
        var countId = page.IdOf("class=\"count\"");
        var incId = page.IdOf("class=\"inc\"");
        using var ws = await h.ConnectAsync(page);

        await ws.ClickAsync(incId);
        var m1 = (await ws.ReceiveAsync())!.Value;
        var update = m1.GetProperty("update");
        Assert.Equal($"<span id=\"{countId}\" class=\"count\">1</span>", update.GetProperty(countId).GetString());
        Assert.Single(update.EnumerateObject());

        await ws.ClickAsync(incId);
        var m2 = (await ws.ReceiveAsync())!.Value;
        Assert.Contains(">2<", m2.GetProperty("update").GetProperty(countId).GetString());

        var reloaded = await h.GetPageAsync("/");
        Assert.Equal(page.Instance, reloaded.Instance);
        Assert.Contains($"<span id=\"{countId}\" class=\"count\">2</span>", reloaded.Html);
    }

    [Fact]
    public async Task Stale_instance_gets_a_reload_and_resync_returns_current_state()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var page = await h.GetPageAsync("/");
        using (var stale = await h.ConnectAsync(new AppPage(page.Html.Replace(page.Instance, "0000000000000000"))))
        {
            var m = (await stale.ReceiveAsync())!.Value;
            Assert.True(m.GetProperty("reload").GetBoolean());
        }
        using var ws = await h.ConnectAsync(page);
        await ws.ClickAsync(page.IdOf("class=\"inc\""));
        await ws.ReceiveAsync();
        await ws.SendAsync($"{{\"hello\":\"{page.Instance}\"}}");
        var resync = (await ws.ReceiveAsync())!.Value;
        Assert.Equal(page.Instance, resync.GetProperty("instance").GetString());
        var html = resync.GetProperty("root").GetString();
        Assert.Contains("class=\"count\">1</span>", html);
    }

    [Fact]
    public async Task Malformed_message_gets_an_error_and_the_socket_keeps_working()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var page = await h.GetPageAsync("/");
        using var ws = await h.ConnectAsync(page);
        await ws.SendAsync("{not json");
        Assert.Contains("malformed", (await ws.ReceiveAsync())!.Value.GetProperty("err").GetString());
        await ws.ClickAsync("h-nope");
        Assert.Contains("unknown tag", (await ws.ReceiveAsync())!.Value.GetProperty("err").GetString());
        await ws.ClickAsync(page.IdOf("class=\"inc\""));
        Assert.True((await ws.ReceiveAsync())!.Value.TryGetProperty("update", out _));
    }

    [Fact]
    public async Task Lost_instance_is_replaced_on_the_same_socket_when_the_page_sends_its_query()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var page = await h.GetPageAsync("/?a");
        // As after a process restart: the page knows an instance this process never had.
        var uri = new Uri(h.BaseUrl.Replace("http://", "ws://") + "/_htag/ws?app=%2F&i=0000000000000000&q=%3Fa");
        var raw = new System.Net.WebSockets.ClientWebSocket();
        raw.Options.SetRequestHeader("X-HTag-Token", Harness.Token);
        raw.Options.SetRequestHeader("Origin", h.BaseUrl); // a browser page's own origin: only it may adopt
        await raw.ConnectAsync(uri, CancellationToken.None);
        using var ws = new WsClient(raw);
        var first = (await ws.ReceiveAsync())!.Value;
        Assert.Equal(page.Instance, first.GetProperty("instance").GetString()); // same query: the live instance
        var fresh = new AppPage(first.GetProperty("root").GetString()!);
        await ws.SendAsync("{\"hello\":\"0000000000000000\"}"); // the reconnect's resync is already answered
        await ws.ClickAsync(fresh.IdOf("class=\"inc\""));
        var m = (await ws.ReceiveAsync())!.Value;
        Assert.Contains(">1</span>", m.GetProperty("update").EnumerateObject().Single().Value.GetString());
    }
}
