using System.Net.WebSockets;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Forwarding;

/// <summary>Issue 4, WebSocket relay: duplex, close codes both ways, limits, either side ending both.</summary>
public sealed class WebSocketRelayTests(SharedRouter shared) : IClassFixture<SharedRouter>
{
    [Fact]
    public async Task Text_and_binary_messages_of_many_frames_are_relayed_both_ways()
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        using var ws = await WsClient.ConnectAsync(shared.Router, uid);

        await ws.SendTextAsync("hello");
        Assert.Equal("hello", await ws.ReceiveTextAsync());

        var big = new byte[300_000];
        Random.Shared.NextBytes(big);
        for (var off = 0; off < big.Length; off += 10_000) // a message sent as 30 frames
            await ws.SendAsync(big.AsMemory(off, 10_000), WebSocketMessageType.Binary, off + 10_000 == big.Length, CancellationToken.None);
        var back = new MemoryStream();
        var buffer = new byte[65536];
        ValueWebSocketReceiveResult r;
        do { r = await ws.ReceiveAsync(buffer.AsMemory(), CancellationToken.None); back.Write(buffer, 0, r.Count); }
        while (!r.EndOfMessage);
        Assert.Equal(WebSocketMessageType.Binary, r.MessageType);
        Assert.Equal(big, back.ToArray());
    }

    [Fact]
    public async Task The_client_close_code_and_reason_reach_the_userpod()
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        using var ws = await WsClient.ConnectAsync(shared.Router, uid);
        await ws.SendTextAsync("ping");
        await ws.ReceiveTextAsync();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ws.CloseAsync((WebSocketCloseStatus)4001, "client says bye", cts.Token);

        Assert.Equal(WebSocketState.Closed, ws.State);
        Assert.Equal(4001, (int?)ws.CloseStatus); // the userpod echoed it: the close went all the way
        await Eventually.True(async () => await client.GetStringAsync("last-close") == "4001:client says bye",
            TimeSpan.FromSeconds(10), "userpod saw the close");
    }

    [Fact]
    public async Task The_userpod_close_code_and_reason_reach_the_client()
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        using var ws = await WsClient.ConnectAsync(shared.Router, uid);
        await ws.SendTextAsync("close:4002:server says bye");

        Assert.Null(await ws.ReceiveTextAsync());
        Assert.Equal(4002, (int?)ws.CloseStatus);
        Assert.Equal("server says bye", ws.CloseStatusDescription);
    }

    [Fact]
    public async Task The_subprotocol_is_negotiated_end_to_end()
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        using var ws = await WsClient.ConnectAsync(shared.Router, uid, subProtocol: "htag.v1");
        Assert.Equal("htag.v1", ws.SubProtocol);
    }

    [Fact]
    public async Task A_userpod_that_dies_mid_connection_ends_the_client_socket()
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        using var ws = await WsClient.ConnectAsync(shared.Router, uid);
        await client.PostAsync("exit/3", null);

        string? msg;
        try { msg = await ws.ReceiveTextAsync(TimeSpan.FromSeconds(10)); }
        catch (WebSocketException) { msg = null; }
        Assert.Null(msg);
        Assert.NotEqual(WebSocketState.Open, ws.State);
    }

    [Fact]
    public async Task A_websocket_upgrade_refused_by_the_userpod_keeps_its_status()
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        var notFound = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(shared.Router, uid, "status/404"));
        Assert.Contains("404", notFound.Message); // the userpod's refusal is passed on
        var noUpgrade = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(shared.Router, uid, "whoami"));
        Assert.Contains("502", noUpgrade.Message); // 200 without an upgrade is a bad gateway, not a success
    }

    [Fact]
    public async Task A_message_over_the_limit_closes_both_sides_with_1009()
    {
        await using var router = await RouterHost.StartAsync("--max-ws-message", "1024");
        var uid = UserKey.NewUid();
        using var client = router.ClientWithUid(uid);
        await client.GetStringAsync("whoami");
        using var ws = await WsClient.ConnectAsync(router, uid);
        await ws.SendTextAsync(new string('a', 1000));
        Assert.Equal(1000, (await ws.ReceiveTextAsync())!.Length);

        await ws.SendTextAsync(new string('b', 5000));
        Assert.Null(await ws.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, ws.CloseStatus);
        await Eventually.True(async () => (await client.GetStringAsync("last-close")).StartsWith("1009:"),
            TimeSpan.FromSeconds(10), "userpod side closed with 1009 too");
    }

    [Fact]
    public async Task A_websocket_to_a_new_user_starts_its_session()
    {
        var uid = UserKey.NewUid();
        using var ws = await WsClient.ConnectAsync(shared.Router, uid);
        await ws.SendTextAsync("first");
        Assert.Equal("first", await ws.ReceiveTextAsync());
        Assert.NotNull(shared.Router.PidOf(uid));
    }
}
