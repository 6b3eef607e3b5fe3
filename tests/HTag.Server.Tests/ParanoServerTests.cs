using System.Text.RegularExpressions;

namespace HTag.Server.Tests;

public class ParanoServerTests
{
    [Fact]
    public async Task Encrypted_round_trip_over_the_websocket_and_replay_or_tamper_rejected()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/", o => o.Parano = true));
        var page = await h.GetPageAsync("/");
        var key = Convert.FromBase64String(Regex.Match(page.Html, "data-htag-key=\"([^\"]+)\"").Groups[1].Value);
        Assert.Equal(32, key.Length);
        using var cipher = new ParanoCipher(key);
        using var ws = await h.ConnectAsync(page);

        var hello = (await ws.ReceiveAsync())!.Value;
        var handshake = new ParanoChannel(cipher, "").OpenServer(hello.GetProperty("p").GetString()!);
        Assert.NotNull(handshake?.Conn);
        var ch = new ParanoChannel(cipher, page.Instance + ":" + handshake.Conn);

        var click = ch.SealClient(new ClientMessage { Id = page.IdOf("class=\"inc\""), Ev = "click", Seq = 1 });
        await ws.SendAsync($"{{\"p\":\"{click}\"}}");
        var reply = (await ws.ReceiveAsync())!.Value;
        Assert.False(reply.TryGetProperty("update", out _)); // nothing in clear
        var opened = ch.OpenServer(reply.GetProperty("p").GetString()!)!;
        Assert.Contains("class=\"count\">1</span>", opened.Update!.Single().Value);

        await ws.SendAsync($"{{\"p\":\"{click}\"}}"); // replay
        Assert.Contains("replayed", ch.OpenServer((await ws.ReceiveAsync())!.Value.GetProperty("p").GetString()!)!.Err);

        var tampered = Convert.FromBase64String(ch.SealClient(new ClientMessage { Id = page.IdOf("class=\"inc\""), Ev = "click", Seq = 2 }));
        tampered[^1] ^= 0x55;
        await ws.SendAsync($"{{\"p\":\"{Convert.ToBase64String(tampered)}\"}}");
        Assert.Contains("tampered", ch.OpenServer((await ws.ReceiveAsync())!.Value.GetProperty("p").GetString()!)!.Err);

        await ws.ClickAsync(page.IdOf("class=\"inc\"")); // plaintext is refused too
        Assert.Contains("unencrypted", ch.OpenServer((await ws.ReceiveAsync())!.Value.GetProperty("p").GetString()!)!.Err);

        // The state did not move: the next genuine click makes 2.
        await ws.SendAsync($"{{\"p\":\"{ch.SealClient(new ClientMessage { Id = page.IdOf("class=\"inc\""), Ev = "click", Seq = 3 })}\"}}");
        Assert.Contains(">2</span>", ch.OpenServer((await ws.ReceiveAsync())!.Value.GetProperty("p").GetString()!)!.Update!.Single().Value);
    }
}
