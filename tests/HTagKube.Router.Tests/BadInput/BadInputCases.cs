using System.Text;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Tests.BadInput;

/// <summary>Deterministic generators of bad inputs: (kind, n) → one case, seeded by n.</summary>
public static class BadInputCases
{
    public const int Cookies = 60, Headers = 45, Paths = 45, RawRequests = 25, WebSocketFrames = 35, JsonPayloads = 30, Sizes = 12;

    public static IEnumerable<object[]> All()
    {
        foreach (var (kind, count) in new[] { ("cookie", Cookies), ("header", Headers), ("path", Paths), ("raw", RawRequests),
                     ("ws", WebSocketFrames), ("json", JsonPayloads), ("size", Sizes) })
            for (var i = 0; i < count; i++) yield return [kind, i];
    }

    static string RandomAscii(Random r, int length, string alphabet) =>
        new(Enumerable.Range(0, length).Select(_ => alphabet[r.Next(alphabet.Length)]).ToArray());

    const string Printable = "!#$%&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    /// <summary>A whole Cookie header value.</summary>
    public static string Cookie(int n)
    {
        var r = new Random(1000 + n);
        var uid = UserKey.NewUid();
        return (n % 12) switch
        {
            0 => "htagkube_uid=" + RandomAscii(r, r.Next(0, 100), Printable.Replace(";", "")),
            1 => "htagkube_uid=" + RandomAscii(r, 43, Printable.Replace(";", "")),
            2 => "htagkube_uid=" + uid[..^1] + "!",
            3 => "htagkube_uid=" + new string('A', r.Next(44, 6000)),
            4 => "htagkube_uid=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(RandomAscii(r, 31, Printable))).TrimEnd('='),
            5 => "htagkube_uid=" + uid + "; htagkube_uid=" + RandomAscii(r, 10, "abc"),
            6 => "HTAGKUBE_UID=" + uid.ToUpperInvariant(),
            7 => new string(';', r.Next(1, 50)) + "=" + RandomAscii(r, 5, "=;"),
            8 => "htagkube_uid",
            9 => "htagkube_uid=\"" + RandomAscii(r, 43, "abcXYZ09-_") + "\"",
            10 => "a=" + new string('b', r.Next(1, 3000)) + "; htagkube_uid=%41%42",
            _ => "htagkube_uid=" + uid.Replace('A', '+').Replace('B', '/'),
        };
    }

    /// <summary>(name, value) of one extra header.</summary>
    public static (string Name, string Value) Header(int n)
    {
        var r = new Random(2000 + n);
        return (n % 15) switch
        {
            0 => ("X-HTag-Token", RandomAscii(r, 64, "0123456789abcdef")),
            1 => ("X-HTag-User", new string('0', 32)),
            2 => ("X-Forwarded-For", RandomAscii(r, r.Next(1, 200), Printable)),
            3 => ("X-Forwarded-Host", "evil.example"),
            4 => ("Connection", "close, X-HTag-Token, Cookie"),
            5 => ("Upgrade", "websocket"),
            6 => ("Content-Type", RandomAscii(r, 300, Printable)),
            7 => ("Accept", new string('*', r.Next(1, 4000))),
            8 => ("X-Long", new string('v', r.Next(1000, 7000))),
            9 => ("Sec-WebSocket-Key", "not-base64"),
            10 => ("Expect", "100-continue"),
            11 => ("TE", "trailers, deflate"),
            12 => ("Range", "bytes=" + RandomAscii(r, 40, "0123456789-,")),
            13 => ("X-Unicode", "caf\u00e9 \u2603"),
            _ => ("Sec-Fetch-Mode", RandomAscii(r, 20, Printable)),
        };
    }

    /// <summary>A request target (path + query).</summary>
    public static string Path(int n)
    {
        var r = new Random(3000 + n);
        return (n % 15) switch
        {
            0 => "/../../../../etc/passwd",
            1 => "/%2e%2e/%2e%2e/whoami",
            2 => "//" + RandomAscii(r, 20, "abc/") + "/x",
            3 => "/_htagkube/../whoami",
            4 => "/%00%01%ff",
            5 => "/" + new string('a', r.Next(100, 7000)),
            6 => "/_htag/ws?app=" + RandomAscii(r, 30, "%/?&=ab"),
            7 => "/echo/" + Uri.EscapeDataString(RandomAscii(r, 50, Printable)),
            8 => "/?" + string.Join('&', Enumerable.Range(0, r.Next(1, 300)).Select(i => $"k{i}=v")),
            9 => "/caf%C3%A9/%E2%98%83",
            10 => "/_htagkube/sessions/" + new string('f', 32),
            11 => "/healthz/../whoami",
            12 => "/%2F%2F%5C%5C",
            13 => "/metrics?x=" + RandomAscii(r, 20, "ab%"),
            _ => "/" + RandomAscii(r, 30, "%"),
        };
    }

    /// <summary>A raw request (bytes a client library would not produce), with a fresh uid cookie when useful.</summary>
    public static byte[] Raw(int n, string host)
    {
        var r = new Random(4000 + n);
        var cookie = "Cookie: htagkube_uid=" + UserKey.NewUid() + "\r\n";
        string s = (n % 13) switch
        {
            0 => "GARBAGE\r\n\r\n",
            1 => $"GET / HTTP/1.1\r\n\r\n", // no Host
            2 => $"GET / HTTP/1.1\r\nHost: {host}\r\nHost: other\r\n\r\n",
            3 => $"POST /upload HTTP/1.1\r\nHost: {host}\r\n{cookie}Content-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            4 => $"POST /upload HTTP/1.1\r\nHost: {host}\r\n{cookie}Transfer-Encoding: chunked\r\n\r\nZZ\r\nbad\r\n",
            5 => $"POST /upload HTTP/1.1\r\nHost: {host}\r\n{cookie}Content-Length: 100\r\n\r\nshort",
            6 => $"GET / HTTP/1.1\r\nHost: {host}\r\nBad Header: x\r\n\r\n",
            7 => $"GET /{RandomAscii(r, 10, "\u0001\u0002 ")} HTTP/1.1\r\nHost: {host}\r\n\r\n",
            8 => $"GET / HTTP/9.9\r\nHost: {host}\r\n\r\n",
            9 => $"GET http://evil.example/whoami HTTP/1.1\r\nHost: {host}\r\n{cookie}\r\n",
            10 => $"GET / HTTP/1.1\r\nHost: {host}\r\n{cookie}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
            11 => $"GET / HTTP/1.1\r\nHost: {host}\r\nX-Folded: a\r\n b\r\n\r\n",
            _ => $"CONNECT {host} HTTP/1.1\r\nHost: {host}\r\n{cookie}\r\n",
        };
        return RawHttp.Ascii(s);
    }

    /// <summary>A JSON-ish payload for the Demo's htag WebSocket.</summary>
    public static string Json(int n)
    {
        var r = new Random(6000 + n);
        return (n % 15) switch
        {
            0 => "{",
            1 => "[]",
            2 => "null",
            3 => "{\"id\":\"h999\",\"ev\":\"click\",\"data\":{}}",
            4 => "{\"id\":123,\"ev\":[],\"data\":\"x\"}",
            5 => new string('[', 5000) + new string(']', 5000),
            6 => "{\"id\":\"h4\",\"ev\":\"click\",\"args\":[" + string.Join(',', Enumerable.Range(0, 2000)) + "]}",
            7 => "{\"hello\":\"" + RandomAscii(r, 16, "0123456789abcdef") + "\"}",
            8 => "{\"id\":\"h4\",\"ev\":\"click\",\"data\":{\"value\":\"" + new string('x', 60_000) + "\"}}",
            9 => "\"\\ud800\"",
            10 => "{\"id\":\"h4\",\"ev\":\"" + RandomAscii(r, 100, Printable) + "\"}",
            11 => RandomAscii(r, 200, Printable),
            12 => "{\"__proto__\":{\"x\":1},\"id\":\"h1\",\"ev\":\"click\"}",
            13 => "{\"id\":\"h4\",\"ev\":\"click\",\"data\":{\"clientX\":1e308}}",
            _ => "{\"id\":\"h4\",\"ev\":\"click\"}" + new string(' ', r.Next(1, 1000)),
        };
    }
}
