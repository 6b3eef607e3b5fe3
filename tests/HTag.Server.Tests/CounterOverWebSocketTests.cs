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
        var html = resync.GetProperty("update").EnumerateObject().Single().Value.GetString();
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
}
