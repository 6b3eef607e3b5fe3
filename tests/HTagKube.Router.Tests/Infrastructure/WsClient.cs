using System.Net.WebSockets;
using System.Text;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>A WebSocket client that talks to the router as a given user.</summary>
public static class WsClient
{
    public static async Task<ClientWebSocket> ConnectAsync(RouterHost router, string uid, string path = "ws", string? subProtocol = null)
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Cookie", router.Cookie(uid));
        if (subProtocol is not null) ws.Options.AddSubProtocol(subProtocol);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ws.ConnectAsync(new Uri($"ws://{router.BaseAddress.Authority}/{path}"), cts.Token);
        return ws;
    }

    public static Task SendTextAsync(this WebSocket ws, string text) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Next whole message, or null when the socket closed.</summary>
    public static async Task<string?> ReceiveTextAsync(this WebSocket ws, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, cts.Token);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, r.Count);
            if (r.EndOfMessage) return Encoding.UTF8.GetString(message.ToArray());
        }
    }
}
