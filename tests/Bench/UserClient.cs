using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;

namespace HTagKube.Bench;

/// <summary>
/// One simulated browser: its own cookie jar and connection (a new user to the router), loads an app page,
/// opens the app's WebSocket, clicks the Counter's button and waits for the update (docs/protocol.md).
/// Direct to a userpod it sends the X-HTag-Token the router would add.
/// </summary>
sealed partial class UserClient : IAsyncDisposable
{
    readonly HttpClient _http;
    readonly CookieContainer _cookies = new();
    readonly Uri _base;
    readonly string? _token;
    ClientWebSocket? _ws;
    byte[] _click = [];
    readonly byte[] _buffer = new byte[64 * 1024];

    public string? Instance { get; private set; }
    public string? ButtonId { get; private set; }
    public string AppPath { get; private set; } = "/counter";
    /// <summary>The last page's HTML (the soak reads the count it shows).</summary>
    public string? LastPage { get; private set; }
    /// <summary>The last click's update message (kept only when <see cref="KeepUpdates"/>: the bench measures without it).</summary>
    public string? LastUpdate { get; private set; }
    public bool KeepUpdates { get; init; }

    public UserClient(Uri baseUri, string? token = null)
    {
        _base = baseUri;
        _token = token;
        _http = new HttpClient(new SocketsHttpHandler { CookieContainer = _cookies, UseCookies = true, AllowAutoRedirect = false })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>GET the app page; returns ms to the complete body. Throws unless it is a real HTag page.</summary>
    public async Task<double> LoadPageAsync(string path, CancellationToken ct)
    {
        AppPath = path;
        using var req = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path));
        if (_token is not null) req.Headers.Add("X-HTag-Token", _token);
        var t0 = Stopwatch.GetTimestamp();
        using var res = await _http.SendAsync(req, ct);
        var html = await res.Content.ReadAsStringAsync(ct);
        var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (res.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {path}: {(int)res.StatusCode} {Truncate(html)}");
        ReadPage(path, html);
        return ms;
    }

    /// <summary>Takes the instance and the first clickable button from an app page; throws unless it is a real HTag page.</summary>
    void ReadPage(string path, string html)
    {
        var inst = InstanceRx().Match(html);
        if (!inst.Success) throw new InvalidOperationException($"GET {path}: not an HTag page: {Truncate(html)}");
        Instance = inst.Groups[1].Value;
        // The app as the page names it (a route pattern such as /items/{id:int}, not the path that matched it).
        if (AppRx().Match(html) is { Success: true } app) AppPath = WebUtility.HtmlDecode(app.Groups[1].Value);
        LastPage = html;
        ButtonId = null;
        foreach (Match m in ButtonRx().Matches(html))
            if (m.Value.Contains("data-htag-on=\"click\"", StringComparison.Ordinal) && IdRx().Match(m.Value) is { Success: true } id)
            { ButtonId = id.Groups[1].Value; break; }
        if (ButtonId is null) throw new InvalidOperationException($"GET {path}: no clickable button");
        _click = Encoding.UTF8.GetBytes($"{{\"id\":\"{ButtonId}\",\"ev\":\"click\",\"data\":{{}},\"args\":[]}}");
    }

    /// <summary>
    /// A browser's first visit: a navigation (<c>Sec-Fetch-Mode: navigate</c>) that follows the router's self-reloading
    /// "starting" page (503 + <c>Retry-After</c>) as the browser would, until the app page. Returns ms from the first
    /// request to the complete page, and how many "starting" pages came first; throws on any other answer.
    /// </summary>
    public async Task<(double Ms, int StartingPages)> NavigateAsync(string path, CancellationToken ct)
    {
        AppPath = path;
        var t0 = Stopwatch.GetTimestamp();
        for (var starting = 0; ; starting++)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, path));
            req.Headers.Add("Sec-Fetch-Mode", "navigate");
            req.Headers.Add("Accept", "text/html");
            using var res = await _http.SendAsync(req, ct);
            var html = await res.Content.ReadAsStringAsync(ct);
            if (res.StatusCode == HttpStatusCode.ServiceUnavailable && html.Contains("http-equiv=\"refresh\"", StringComparison.Ordinal))
            {
                // The page reloads itself after its refresh delay (the Retry-After the router sets with it).
                await Task.Delay(res.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), ct);
                continue;
            }
            var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (res.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {path}: {(int)res.StatusCode} {Truncate(html)}");
            ReadPage(path, html);
            return (ms, starting);
        }
    }

    /// <summary>GET any path that answers 200 (bare baseline apps); ms to the complete body.</summary>
    public async Task<double> GetAsync(string path, CancellationToken ct)
    {
        var t0 = Stopwatch.GetTimestamp();
        using var res = await _http.GetAsync(new Uri(_base, path), ct);
        var body = await res.Content.ReadAsStringAsync(ct);
        if (res.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {path}: {(int)res.StatusCode} {Truncate(body)}");
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    /// <summary>Opens the app's WebSocket (after <see cref="LoadPageAsync"/>), or <paramref name="echoPath"/> on an echo server;
    /// with <paramref name="ping"/>, pings it as the router does (that interval, a pong due within it), else never.</summary>
    public async Task ConnectAsync(CancellationToken ct, string? echoPath = null, TimeSpan? ping = null)
    {
        var ws = new ClientWebSocket();
        ws.Options.Cookies = _cookies;
        ws.Options.KeepAliveInterval = ping ?? TimeSpan.Zero;
        if (ping is { } p) ws.Options.KeepAliveTimeout = p;
        if (_token is not null) ws.Options.SetRequestHeader("X-HTag-Token", _token);
        var scheme = _base.Scheme == "https" ? "wss" : "ws";
        var path = echoPath ?? $"/_htag/ws?app={Uri.EscapeDataString(AppPath)}&i={Uri.EscapeDataString(Instance ?? "")}";
        if (echoPath is not null)
            _click = Encoding.UTF8.GetBytes("{\"id\":\"h4\",\"ev\":\"click\",\"data\":{},\"args\":[]}");
        await ws.ConnectAsync(new Uri($"{scheme}://{_base.Authority}{path}"), ct);
        _ws = ws;
    }

    /// <summary>One click → the message carrying the update (or the echo); ms.</summary>
    public async Task<double> ClickAsync(bool echo, CancellationToken ct)
    {
        var ws = _ws ?? throw new InvalidOperationException("not connected");
        var t0 = Stopwatch.GetTimestamp();
        await ws.SendAsync(_click, WebSocketMessageType.Text, true, ct);
        while (true)
        {
            var count = 0;
            ValueWebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(_buffer.AsMemory(count), ct);
                if (r.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException($"socket closed: {ws.CloseStatus} {ws.CloseStatusDescription}");
                count += r.Count;
            } while (!r.EndOfMessage);
            if (echo) return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            var span = _buffer.AsSpan(0, count);
            if (span.IndexOf("\"update\""u8) >= 0)
            {
                if (KeepUpdates) LastUpdate = Encoding.UTF8.GetString(span);
                return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            if (span.IndexOf("\"err\""u8) >= 0 || span.IndexOf("\"reload\""u8) >= 0)
                throw new InvalidOperationException("userpod answered: " + Encoding.UTF8.GetString(span));
            // Anything else (e.g. an empty reply to another message) is not the update: keep reading.
        }
    }

    /// <summary>Closes the WebSocket (the page left); the cookie stays for a later visit.</summary>
    public async Task CloseSocketAsync()
    {
        if (_ws is { State: WebSocketState.Open } ws)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        }
        _ws?.Dispose();
        _ws = null;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseSocketAsync();
        _http.Dispose();
    }

    static string Truncate(string s) => s.Length > 200 ? s[..200] + "…" : s;

    /// <summary>The count the Demo's Counter shows in <paramref name="html"/> (a page or an update's element), or null.</summary>
    public static int? CountIn(string html) =>
        CountRx().Match(html) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    [GeneratedRegex("class=\"count\"[^>]*>(\\d+)<")]
    private static partial Regex CountRx();

    [GeneratedRegex("data-htag-app=\"([^\"]+)\"")]
    private static partial Regex AppRx();
    [GeneratedRegex("data-htag-instance=\"([^\"]+)\"")]
    private static partial Regex InstanceRx();
    [GeneratedRegex("<button[^>]*>")]
    private static partial Regex ButtonRx();
    [GeneratedRegex("\\sid=\"([^\"]+)\"")]
    private static partial Regex IdRx();
}
