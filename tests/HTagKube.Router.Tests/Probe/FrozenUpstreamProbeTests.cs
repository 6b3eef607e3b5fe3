using System.Diagnostics;
using System.Net.WebSockets;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Probe;

/// <summary>
/// Issue 14, outside-probe finding: an open WebSocket to a frozen userpod (SIGSTOP) was never timed out, the
/// page just went silent. The router pings the userpod with a deadline and closes the browser side with 1001,
/// a code on which htag.js reconnects (it reconnects on every code but 4001, "replaced").
/// </summary>
public sealed class FrozenUpstreamProbeTests
{
    static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString()])!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public async Task A_websocket_to_a_frozen_userpod_is_closed_with_1001_within_the_ping_deadline()
    {
        await using var router = await RouterHost.StartAsync("--ws-ping", "00:00:01");
        var uid = UserKey.NewUid();
        using var client = router.ClientWithUid(uid);
        await client.GetStringAsync("whoami");
        var pid = router.PidOf(uid) ?? throw new InvalidOperationException("no userpod");
        using var ws = await WsClient.ConnectAsync(router, uid);
        await ws.SendTextAsync("hello");
        Assert.Equal("hello", await ws.ReceiveTextAsync());

        await SignalAsync("STOP", pid);
        try
        {
            // Generous for a loaded machine; without the ping deadline no close ever comes.
            Assert.Null(await ws.ReceiveTextAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, ws.CloseStatus);
        }
        finally
        {
            await SignalAsync("CONT", pid);
        }
    }
}
