using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HTagKube.Chart.Tests.Cluster;

/// <summary>
/// One anonymous web user talking to the router Service the way a browser does: cookie jar, page load
/// (through the "starting" page while the pod comes up), then clicks over the htag WebSocket
/// (docs/protocol.md) on the demo Counter.
/// </summary>
public sealed partial class WebUser(Uri router) : IDisposable
{
    readonly CookieContainer _cookies = new();
    HttpClient? _http;

    HttpClient Http => _http ??= new HttpClient(new SocketsHttpHandler { CookieContainer = _cookies, UseProxy = false, AllowAutoRedirect = false })
    {
        BaseAddress = router,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// The router-issued uid cookie: the uid sealed with the router's Data Protection key ring, opaque to a client (so a
    /// test cannot derive the userKey from it; it finds the user's session in the cluster instead).
    /// </summary>
    public string? Cookie => _cookies.GetCookies(router)["htagkube_uid"]?.Value;

    const string CounterPath = "/counter";
    string _app = CounterPath, _instance = "", _button = "";

    [GeneratedRegex("data-htag-instance=\"([^\"]+)\"")] private static partial Regex InstanceRx();
    [GeneratedRegex("data-htag-app=\"([^\"]+)\"")] private static partial Regex AppRx();
    [GeneratedRegex("<button id=\"(h[0-9a-f]+)\"[^>]*data-htag-on=\"click\"")] private static partial Regex ButtonRx();
    [GeneratedRegex("class=\"count\"[^>]*>\\s*([0-9]+)\\s*<")] private static partial Regex CountRx();

    /// <summary>Loads the Counter page, retrying while the router answers "starting" (503) until the pod serves it.</summary>
    public async Task<int> OpenAsync(TimeSpan timeout, CancellationToken ct)
    {
        var last = "";
        var status = 0;
        await Eventually.True(async () =>
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, CounterPath);
            req.Headers.Accept.ParseAdd("text/html");
            using var res = await Http.SendAsync(req, ct);
            status = (int)res.StatusCode;
            last = await res.Content.ReadAsStringAsync(ct);
            return res.StatusCode == HttpStatusCode.OK && InstanceRx().IsMatch(last);
        }, timeout, "the Counter page through the router", ct, () => Task.FromResult($"last answer {status}: {Truncate(last)}"));

        _instance = InstanceRx().Match(last).Groups[1].Value;
        _app = WebUtility.HtmlDecode(AppRx().Match(last).Groups[1].Value);
        _button = ButtonRx().Match(last).Groups[1].Value;
        Assert.NotEqual("", _button);
        Assert.NotNull(Cookie);
        return int.Parse(CountRx().Match(last).Groups[1].Value);
    }

    /// <summary>Clicks "+1" over the WebSocket and returns the count the server's update shows (at most 30 s: a
    /// <see cref="TimeoutException"/> naming the step that did not finish).</summary>
    public async Task<int> ClickAsync(CancellationToken ct)
    {
        using var ws = new ClientWebSocket();
        ws.Options.Cookies = _cookies;
        var uri = new UriBuilder(router) { Scheme = "ws", Path = "/_htag/ws", Query = $"app={Uri.EscapeDataString(_app)}&i={Uri.EscapeDataString(_instance)}" }.Uri;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(ClickTimeout);
        var step = "the WebSocket's connect";
        var started = DateTime.UtcNow;
        try
        {
            await ws.ConnectAsync(uri, cts.Token);
            step = "the click's send";
            var msg = JsonSerializer.Serialize(new { id = _button, ev = "click", data = new { } });
            await ws.SendAsync(Encoding.UTF8.GetBytes(msg), WebSocketMessageType.Text, true, cts.Token);

            step = "the click's update";
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var text = await ReceiveTextAsync(ws, buffer, cts.Token);
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.TryGetProperty("err", out var err)) throw new InvalidOperationException("userpod error: " + err);
                if (!doc.RootElement.TryGetProperty("update", out var update)) continue;
                foreach (var html in update.EnumerateObject())
                {
                    var m = CountRx().Match(html.Value.GetString() ?? "");
                    if (m.Success)
                    {
                        step = "the WebSocket's close";
                        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
                        return int.Parse(m.Groups[1].Value);
                    }
                }
            }
        }
        catch (OperationCanceledException e) when (cts.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"a click: {step} did not finish within {ClickTimeout.TotalSeconds:0} s (started {started:HH:mm:ss.fff} UTC)", e);
        }
    }

    static readonly TimeSpan ClickTimeout = TimeSpan.FromSeconds(30);

    static async Task<string> ReceiveTextAsync(ClientWebSocket ws, byte[] buffer, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException($"socket closed: {r.CloseStatus} {r.CloseStatusDescription}");
            ms.Write(buffer, 0, r.Count);
            if (r.EndOfMessage) return Encoding.UTF8.GetString(ms.ToArray());
        }
    }

    static string Truncate(string s) => s.Length > 300 ? s[..300] + "…" : s;

    public void Dispose() => _http?.Dispose();
}
