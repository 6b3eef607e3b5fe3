using System.Net.WebSockets;
using System.Text;

namespace HTag.Server.Tests;

public class RuntimeBehaviourTests
{
    static async Task<System.Text.Json.JsonElement> Next(WsClient ws) =>
        (await ws.ReceiveAsync()) ?? throw new InvalidOperationException("socket closed");

    [Fact]
    public async Task Server_push_sends_updates_without_a_request()
    {
        await using var h = await Harness.StartAsync(s => s.Map<PushApp>("/"));
        var page = await h.GetPageAsync("/");
        var status = page.IdOf("class=\"status\"");
        using var ws = await h.ConnectAsync(page);
        await ws.ClickAsync(page.IdOf("class=\"start\""));
        Assert.True((await Next(ws)).EnumerateObject().All(p => p.Name != "err")); // the click's own reply
        var seen = new List<string>();
        while (seen.Count < 3)
        {
            var m = await Next(ws);
            if (m.TryGetProperty("update", out var u) && u.TryGetProperty(status, out var html)) seen.Add(html.GetString()!);
        }
        Assert.Contains(">push3<", seen[^1]);
    }

    [Fact]
    public async Task UpdateAsync_returns_false_in_http_only_mode_and_POST_interactions_work()
    {
        while (PushApp.Results.TryDequeue(out _)) { }
        await using var h = await Harness.StartAsync(s => s.Map<PushApp>("/p", o => o.HttpOnly = true).Map<CounterApp>("/c", o => o.HttpOnly = true));
        var page = await h.GetPageAsync("/c");
        Assert.Contains("data-htag-http-only", page.Html);
        var post = await h.Http.PostAsync($"/_htag/post?app=/c&i={page.Instance}",
            new StringContent($"{{\"id\":\"{page.IdOf("class=\"inc\"")}\",\"ev\":\"click\"}}", Encoding.UTF8, "application/json"));
        post.EnsureSuccessStatusCode();
        Assert.Contains("class=\\u0022count\\u0022\\u003E1\\u003C/span", await post.Content.ReadAsStringAsync());
        // No WebSocket for an http-only app: the page is told to reload.
        using (var ws = await h.ConnectAsync(page))
            Assert.True((await Next(ws)).GetProperty("reload").GetBoolean());

        var p = await h.GetPageAsync("/p");
        await h.Http.PostAsync($"/_htag/post?app=/p&i={p.Instance}",
            new StringContent($"{{\"id\":\"{p.IdOf("class=\"start\"")}\",\"ev\":\"click\"}}", Encoding.UTF8, "application/json"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (PushApp.Results.Count < 3 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal([false, false, false], PushApp.Results.ToArray());
    }

    [Fact]
    public async Task Async_handler_past_the_timeout_gets_an_error_drops_the_instance_and_trips_the_watchdog()
    {
        await using var h = await Harness.StartTimedAsync(s => s.Map<HangApp>("/"), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300));
        var page = await h.GetPageAsync("/");
        using var ws = await h.ConnectAsync(page);
        await ws.ClickAsync(page.IdOf("class=\"hang\""));
        var seenError = false;
        // The error reply, then (instance dropped) a reload, then the server closes the socket.
        for (var m = await ws.ReceiveAsync(); m is not null; m = await ws.ReceiveAsync())
            if (m.Value.TryGetProperty("err", out var err) && err.GetString()!.Contains("timed out")) seenError = true;
        Assert.True(seenError);
        var again = await h.GetPageAsync("/");
        Assert.NotEqual(page.Instance, again.Instance);
        await h.WatchdogExitAsync();
    }

    [Fact]
    public async Task Cpu_bound_handler_does_not_block_the_server_and_trips_the_watchdog()
    {
        HangApp.Release = false;
        try
        {
            await using var h = await Harness.StartTimedAsync(s => s.Map<HangApp>("/"), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300));
            var page = await h.GetPageAsync("/");
            using var ws = await h.ConnectAsync(page);
            await ws.ClickAsync(page.IdOf("class=\"burn\""));
            var m = await Next(ws);
            Assert.Contains("timed out", m.GetProperty("err").GetString());
            Assert.Equal("ok", await h.Http.GetStringAsync("/healthz"));
            await h.WatchdogExitAsync();
        }
        finally { HangApp.Release = true; }
    }

    [Fact]
    public async Task Handler_exception_reaches_the_console_and_the_app_keeps_working()
    {
        await using var h = await Harness.StartAsync(s => s.Map<HangApp>("/"));
        var page = await h.GetPageAsync("/");
        using var ws = await h.ConnectAsync(page);
        await ws.ClickAsync(page.IdOf("class=\"fail\""));
        var err = (await Next(ws)).GetProperty("err").GetString()!;
        Assert.Contains("handler blew up", err);
        Assert.DoesNotContain("   at ", err); // no stack outside debug mode
        await ws.ClickAsync(page.IdOf("class=\"quick\""));
        Assert.Contains(">1<", (await Next(ws)).GetProperty("update").EnumerateObject().Single().Value.GetString());
    }

    [Fact]
    public async Task Oversized_message_closes_with_policy_violation()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"), o => o.MaxMessageBytes = 4096);
        var page = await h.GetPageAsync("/");
        using var ws = await h.ConnectAsync(page);
        await ws.SendAsync("{\"id\":\"" + new string('x', 10_000) + "\",\"ev\":\"click\"}");
        Assert.Null(await ws.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, ws.Socket.CloseStatus);
        Assert.Equal("ok", await h.Http.GetStringAsync("/healthz"));
        // The app itself is fine: a new connection works.
        using var ws2 = await h.ConnectAsync(page);
        await ws2.ClickAsync(page.IdOf("class=\"inc\""));
        Assert.True((await Next(ws2)).TryGetProperty("update", out _));
    }

    [Fact]
    public async Task Interaction_flood_closes_with_policy_violation()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"), o => o.MaxInteractionsPerSecond = 5);
        var page = await h.GetPageAsync("/");
        using var ws = await h.ConnectAsync(page);
        var inc = page.IdOf("class=\"inc\"");
        try
        {
            for (var i = 0; i < 50; i++) await ws.ClickAsync(inc);
        }
        catch (WebSocketException) { /* the server may close while we still send */ }
        while (await ws.ReceiveAsync() is not null) { }
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, ws.Socket.CloseStatus);
    }

    [Fact]
    public async Task Same_query_reuses_the_instance_and_a_different_query_recreates_it()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var a = await h.GetPageAsync("/?x=1");
        var b = await h.GetPageAsync("/?x=1");
        Assert.Equal(a.Instance, b.Instance);
        using var open = await h.ConnectAsync(a);
        var c = await h.GetPageAsync("/?x=2");
        Assert.NotEqual(a.Instance, c.Instance);
        // The page showing the replaced instance is closed as "replaced" (4001): it must not reconnect and
        // replace the new one in turn (two tabs would ping-pong); it reloads on its next user event.
        Assert.Null(await open.ReceiveAsync());
        Assert.Equal(4001, (int)open.Socket.CloseStatus!);
        // The replaced instance's page is told to reload.
        using var ws = await h.ConnectAsync(a);
        Assert.True((await Next(ws)).GetProperty("reload").GetBoolean());
    }
}
