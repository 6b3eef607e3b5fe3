using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests;

/// <summary>The router in front of the real default userpod (userpod/Demo), over HTTP and the htag WebSocket.</summary>
public sealed partial class DemoThroughRouterTests
{
    [GeneratedRegex("data-htag-instance=\"([0-9a-f]+)\"")] private static partial Regex InstanceRx();
    [GeneratedRegex("<span id=\"(h[0-9a-f]+)\" class=\"count\">(\\d+)</span>")] private static partial Regex CountRx();
    [GeneratedRegex("<button id=\"(h[0-9a-f]+)\"[^>]*>\\+1</button>")] private static partial Regex ButtonRx();

    sealed record CounterPage(string Instance, string ButtonId, int Count);

    static async Task<CounterPage> LoadAsync(HttpClient client)
    {
        var html = await client.GetStringAsync("counter");
        return new CounterPage(InstanceRx().Match(html).Groups[1].Value, ButtonRx().Match(html).Groups[1].Value,
            int.Parse(CountRx().Match(html).Groups[2].Value));
    }

    static async Task<ClientWebSocket> ConnectAsync(RouterHost router, string uid, CounterPage page)
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Cookie", router.Cookie(uid));
        var uri = new Uri($"ws://{router.BaseAddress.Authority}/_htag/ws?app=/counter&i={page.Instance}");
        await ws.ConnectAsync(uri, CancellationToken.None);
        return ws;
    }

    static async Task<int> ClickAsync(ClientWebSocket ws, CounterPage page)
    {
        var msg = Encoding.UTF8.GetBytes($"{{\"id\":\"{page.ButtonId}\",\"ev\":\"click\",\"data\":{{}}}}");
        await ws.SendAsync(msg, WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<string>();
        while (true)
        {
            WebSocketReceiveResult r;
            try { r = await ws.ReceiveAsync(buffer, cts.Token); }
            catch (Exception e) { throw new InvalidOperationException("no count update; got: " + string.Join(" | ", seen), e); }
            var text = Encoding.UTF8.GetString(buffer, 0, r.Count);
            seen.Add(text);
            using var doc = System.Text.Json.JsonDocument.Parse(text);
            if (!doc.RootElement.TryGetProperty("update", out var update)) continue;
            foreach (var html in update.EnumerateObject())
            {
                var m = CountRx().Match(html.Value.GetString() ?? "");
                if (m.Success) return int.Parse(m.Groups[2].Value);
            }
        }
    }

    [Fact]
    public async Task Clicks_in_one_browser_change_only_its_own_counter_and_survive_a_reload()
    {
        if (!File.Exists(TestPaths.DemoDll)) throw new FileNotFoundException("Demo not built next to the tests", TestPaths.DemoDll);
        await using var router = await RouterHost.StartAsync("--userpod-command", $"dotnet \"{TestPaths.DemoDll}\"");
        string aliceUid = UserKey.NewUid(), bobUid = UserKey.NewUid();
        using var alice = router.ClientWithUid(aliceUid);
        using var bob = router.ClientWithUid(bobUid);

        var alicePage = await LoadAsync(alice);
        var bobPage = await LoadAsync(bob);
        Assert.Equal(0, alicePage.Count);
        Assert.NotEqual(router.PidOf(aliceUid), router.PidOf(bobUid));

        using (var ws = await ConnectAsync(router, aliceUid, alicePage))
        {
            Assert.Equal(1, await ClickAsync(ws, alicePage));
            Assert.Equal(2, await ClickAsync(ws, alicePage));
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        Assert.Equal(2, (await LoadAsync(alice)).Count);
        Assert.Equal(0, (await LoadAsync(bob)).Count);
        Assert.True((await router.MetricAsync("htagkube_sessions_started_total")) == 2);
    }

    [Fact]
    public async Task The_default_userpod_command_is_the_demo_next_to_the_router()
    {
        await using var router = await RouterHost.StartAsync("--userpod-command", $"dotnet \"{TestPaths.DemoDll}\"");
        using var browser = router.NewClient();
        var html = await browser.GetStringAsync("");
        Assert.Contains("Counter", html);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "userpod", "HTagKube.Demo.dll"),
            Provisioning_DefaultDll());
    }

    static string Provisioning_DefaultDll() => HTagKube.Router.Provisioning.UserpodCommand.Default().Arguments[0];
}
