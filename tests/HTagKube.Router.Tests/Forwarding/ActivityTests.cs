using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Forwarding;

/// <summary>Idle TTL: refreshed by the user's requests and messages only, never by server push.</summary>
public sealed class ActivityTests
{
    [Fact]
    public async Task Server_push_alone_does_not_keep_a_session_alive()
    {
        await using var router = await RouterHost.StartAsync("--idle-timeout", "00:00:01.5", "--sweep-interval", "00:00:00.1");
        var uid = UserKey.NewUid();
        using var ws = await WsClient.ConnectAsync(router, uid);
        var pid = router.PidOf(uid)!.Value;
        await ws.SendTextAsync("tick:50"); // the only user activity; the userpod then pushes every 50 ms

        var pushes = 0;
        try
        {
            while (await ws.ReceiveTextAsync(TimeSpan.FromSeconds(10)) is not null) pushes++;
        }
        catch (System.Net.WebSockets.WebSocketException) { /* the process was killed under the relay */ }

        Assert.True(pushes > 10, $"only {pushes} pushes arrived");
        await Eventually.True(() => !Processes.IsAlive(pid), TimeSpan.FromSeconds(10), "idle userpod stopped despite pushes");
    }

    [Fact]
    public async Task Client_messages_keep_a_session_alive_and_touches_are_throttled()
    {
        await using var router = await RouterHost.StartAsync("--idle-timeout", "00:00:01.5", "--sweep-interval", "00:00:00.1");
        var uid = UserKey.NewUid();
        using var ws = await WsClient.ConnectAsync(router, uid);
        var pid = router.PidOf(uid)!.Value;

        var until = DateTime.UtcNow.AddSeconds(4);
        var sent = 0;
        while (DateTime.UtcNow < until)
        {
            await ws.SendTextAsync("m" + sent++);
            Assert.NotNull(await ws.ReceiveTextAsync());
            await Task.Delay(50); // user pacing
        }
        Assert.True(Processes.IsAlive(pid));
        Assert.Equal(pid, router.PidOf(uid));
        Assert.True(sent > 20);
    }
}
