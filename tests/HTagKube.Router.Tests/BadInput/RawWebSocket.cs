using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace HTagKube.Router.Tests.BadInput;

/// <summary>A WebSocket spoken byte by byte, to send frames ClientWebSocket refuses to produce.</summary>
public sealed class RawWebSocket : IDisposable
{
    readonly TcpClient _tcp = new();
    NetworkStream _stream = null!;

    public static async Task<(RawWebSocket? Socket, int Status)> ConnectAsync(Uri router, string path, string cookie)
    {
        var ws = new RawWebSocket();
        await ws._tcp.ConnectAsync(IPAddress.Loopback, router.Port);
        ws._stream = ws._tcp.GetStream();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var hello = $"GET {path} HTTP/1.1\r\nHost: {router.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                    $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n";
        await ws._stream.WriteAsync(Encoding.ASCII.GetBytes(hello));
        var head = new StringBuilder();
        var one = new byte[1];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!head.ToString().EndsWith("\r\n\r\n"))
        {
            if (await ws._stream.ReadAsync(one, cts.Token) == 0) break;
            head.Append((char)one[0]);
        }
        var text = head.ToString();
        var status = text.StartsWith("HTTP/1.1 ") ? int.Parse(text.AsSpan(9, 3)) : 0;
        if (status != 101) { ws.Dispose(); return (null, status); }
        return (ws, status);
    }

    /// <summary>One frame; <paramref name="announced"/> overrides the length field (lies allowed).</summary>
    public static byte[] Frame(byte first, byte[] payload, bool masked = true, long? announced = null)
    {
        var frame = new List<byte> { first };
        var len = announced ?? payload.Length;
        var maskBit = masked ? (byte)0x80 : (byte)0;
        if (len < 126) frame.Add((byte)(maskBit | len));
        else if (len <= ushort.MaxValue) { frame.Add((byte)(maskBit | 126)); frame.Add((byte)(len >> 8)); frame.Add((byte)len); }
        else { frame.Add((byte)(maskBit | 127)); for (var i = 7; i >= 0; i--) frame.Add((byte)(len >> (8 * i))); }
        if (masked)
        {
            var mask = RandomNumberGenerator.GetBytes(4);
            frame.AddRange(mask);
            frame.AddRange(payload.Select((b, i) => (byte)(b ^ mask[i % 4])));
        }
        else frame.AddRange(payload);
        return frame.ToArray();
    }

    public async Task SendAsync(byte[] bytes)
    {
        try { await _stream.WriteAsync(bytes); }
        catch (IOException) { /* the router may cut a protocol violator off mid-write */ }
    }

    /// <summary>Reads until the peer closes or <paramref name="within"/> passes; returns the bytes received.</summary>
    public async Task<int> DrainAsync(TimeSpan within)
    {
        var total = 0;
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(within);
        try
        {
            int n;
            while ((n = await _stream.ReadAsync(buffer, cts.Token)) > 0) total += n;
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        return total;
    }

    public void Dispose() => _tcp.Dispose();
}
