using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HTagKube.Router.Tests.BadInput;

/// <summary>Bytes on a raw TCP connection: requests no well-behaved client library would send.</summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> and returns the response status, or 0 when the server closed without one.</summary>
    public static async Task<(int Status, string Head)> SendAsync(Uri server, byte[] request, TimeSpan? timeout = null)
    {
        using var tcp = new TcpClient();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port, cts.Token);
        var stream = tcp.GetStream();
        try { await stream.WriteAsync(request, cts.Token); }
        catch (IOException) { /* server may close early on garbage: then read what it said */ }
        var buffer = new byte[8192];
        var head = new StringBuilder();
        try
        {
            while (!head.ToString().Contains("\r\n\r\n"))
            {
                var n = await stream.ReadAsync(buffer, cts.Token);
                if (n == 0) break;
                head.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
        }
        catch (IOException) { }
        var text = head.ToString();
        if (!text.StartsWith("HTTP/1.1 ")) return (0, text);
        return (int.Parse(text.AsSpan(9, 3)), text);
    }

    public static byte[] Ascii(string s) => Encoding.Latin1.GetBytes(s);
}
