
namespace HTag.Tests;

public class ParanoTests
{
    [Fact]
    public void Round_trip_both_ways()
    {
        using var cipher = new ParanoCipher(ParanoCipher.NewKey());
        var server = new ParanoChannel(cipher, "inst:conn");
        var browser = new ParanoChannel(cipher, "inst:conn");
        var wire = browser.SealClient(new ClientMessage { Id = "h1", Ev = "click", Seq = 1 });
        var got = server.Open(new ClientMessage { P = wire }, out var err);
        Assert.Null(err);
        Assert.Equal("h1", got!.Id);
        var reply = server.Seal(new ServerMessage { Update = new() { ["h1"] = "<b>1</b>" } });
        Assert.Null(reply.Update);
        var opened = browser.OpenServer(reply.P!);
        Assert.Equal("<b>1</b>", opened!.Update!["h1"]);
        Assert.Equal(1, opened.Seq);
        Assert.Equal(2, browser.OpenServer(server.Seal(new ServerMessage()).P!)!.Seq);
    }

    [Fact]
    public void Tampered_message_is_rejected()
    {
        using var cipher = new ParanoCipher(ParanoCipher.NewKey());
        var ch = new ParanoChannel(cipher, "b");
        var wire = Convert.FromBase64String(ch.SealClient(new ClientMessage { Id = "h1", Ev = "click", Seq = 1 }));
        wire[20] ^= 1;
        Assert.Null(ch.Open(new ClientMessage { P = Convert.ToBase64String(wire) }, out var err));
        Assert.Contains("tampered", err);
        Assert.Null(ch.Open(new ClientMessage { P = "not base64!" }, out _));
        Assert.Null(ch.Open(new ClientMessage { Id = "h1", Ev = "click" }, out err));
        Assert.Contains("unencrypted", err);
    }

    [Fact]
    public void Replayed_or_old_sequence_is_rejected()
    {
        using var cipher = new ParanoCipher(ParanoCipher.NewKey());
        var ch = new ParanoChannel(cipher, "b");
        var m1 = ch.SealClient(new ClientMessage { Id = "h1", Ev = "click", Seq = 1 });
        var m2 = ch.SealClient(new ClientMessage { Id = "h1", Ev = "click", Seq = 2 });
        Assert.NotNull(ch.Open(new ClientMessage { P = m1 }, out _));
        Assert.NotNull(ch.Open(new ClientMessage { P = m2 }, out _));
        Assert.Null(ch.Open(new ClientMessage { P = m2 }, out var err));
        Assert.Contains("replayed", err);
        Assert.Null(ch.Open(new ClientMessage { P = m1 }, out _));
    }

    [Fact]
    public void Other_binding_or_key_cannot_open()
    {
        using var cipher = new ParanoCipher(ParanoCipher.NewKey());
        var wire = new ParanoChannel(cipher, "inst:connA").SealClient(new ClientMessage { Id = "h1", Ev = "click", Seq = 1 });
        Assert.Null(new ParanoChannel(cipher, "inst:connB").Open(new ClientMessage { P = wire }, out _));
        using var other = new ParanoCipher(ParanoCipher.NewKey());
        Assert.Null(new ParanoChannel(other, "inst:connA").Open(new ClientMessage { P = wire }, out _));
        // A server message cannot be reflected back as a client message (direction is bound).
        var ch = new ParanoChannel(cipher, "x");
        var s = ch.Seal(new ServerMessage { Err = "e" }).P!;
        Assert.Null(ch.Open(new ClientMessage { P = s }, out _));
    }
}
