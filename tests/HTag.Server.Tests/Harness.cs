using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Net;

namespace HTag.Server.Tests;

/// <summary>A real HTagServer on a free loopback port, an HttpClient carrying the token, WebSocket helpers.</summary>
public sealed partial class Harness : IAsyncDisposable
{
    public const string Token = "test-token-123";

    readonly List<int> _exits = [];

    Harness(HTagServer server)
    {
        Server = server;
        server.ExitProcess = code => { lock (_exits) _exits.Add(code); }; // the watchdog must not end the test run
        BaseUrl = server.Urls.First().TrimEnd('/');
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        Http.DefaultRequestHeaders.Add("X-HTag-Token", Token);
    }

    public HTagServer Server { get; }
    public string BaseUrl { get; }
    public HttpClient Http { get; }

    public static async Task<Harness> StartAsync(Action<HTagServer> map, Action<HTagOptions>? configure = null)
    {
        var server = HTagServer.Create(["--urls", "http://127.0.0.1:0"]).Configure(o =>
        {
            o.Token = Token;
            configure?.Invoke(o);
        });
        map(server);
        await server.StartAsync();
        return new Harness(server);
    }

    /// <summary>A server with a short interaction timeout and watchdog grace, for tests of app code that outlives them.</summary>
    public static Task<Harness> StartTimedAsync(Action<HTagServer> map, TimeSpan timeout, TimeSpan grace) =>
        StartAsync(map, o =>
        {
            o.InteractionTimeout = timeout;
            o.TimeoutGrace = grace;
        });

    /// <summary>Waits until the watchdog has ended the (recorded, not real) process, once, with its exit code.</summary>
    public async Task WatchdogExitAsync()
    {
        await Eventually.True(() => { lock (_exits) return _exits.Count > 0; }, TimeSpan.FromSeconds(60), "the watchdog's exit");
        lock (_exits) Assert.Equal([Watchdog.ExitCode], _exits);
    }

    public async Task<AppPage> GetPageAsync(string pathAndQuery)
    {
        var html = await Http.GetStringAsync(pathAndQuery);
        return new AppPage(html);
    }

    public async Task<WsClient> ConnectAsync(AppPage page, string? app = null)
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("X-HTag-Token", Token);
        var uri = new Uri(BaseUrl.Replace("http://", "ws://") + "/_htag/ws?app=" + Uri.EscapeDataString(app ?? page.App) + "&i=" + page.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ws.ConnectAsync(uri, cts.Token);
        return new WsClient(ws);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>A rendered page: the instance id and helpers to find elements.</summary>
public sealed partial class AppPage(string html)
{
    public string Html { get; } = html;
    public string Instance => InstanceRx().Match(Html).Groups[1].Value;
    public string App => WebUtility.HtmlDecode(AppRx().Match(Html).Groups[1].Value);

    /// <summary>The id of the first element whose opening tag contains <paramref name="marker"/> (e.g. <c>class="count"</c>).</summary>
    public string IdOf(string marker)
    {
        var m = Regex.Match(Html, "<[a-z0-9]+ id=\"(h[0-9a-f]+)\"[^>]*" + Regex.Escape(marker));
        Assert.True(m.Success, $"no element with {marker} in {Html}");
        return m.Groups[1].Value;
    }

    /// <summary>The id of the first element of kind <paramref name="tag"/> whose text is <paramref name="text"/>.</summary>
    public string IdOfText(string tag, string text)
    {
        var m = Regex.Match(Html, "<" + tag + " id=\"(h[0-9a-f]+)\"[^>]*>" + Regex.Escape(text) + "</" + tag + ">");
        Assert.True(m.Success, $"no <{tag}>{text}</{tag}> in {Html}");
        return m.Groups[1].Value;
    }

    [GeneratedRegex("data-htag-instance=\"([0-9a-f]+)\"")]
    private static partial Regex InstanceRx();

    [GeneratedRegex("data-htag-app=\"([^\"]*)\"")]
    private static partial Regex AppRx();
}

/// <summary>A raw WebSocket client speaking the protocol of docs/protocol.md.</summary>
public sealed class WsClient(ClientWebSocket ws) : IDisposable
{
    public ClientWebSocket Socket => ws;

    public Task SendAsync(string json) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task ClickAsync(string id, string ev = "click") => SendAsync($"{{\"id\":\"{id}\",\"ev\":\"{ev}\"}}");

    /// <summary>The next message, or null when the server closed the socket.</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[1 << 20];
        var count = 0;
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer.AsMemory(count), cts.Token);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            count += r.Count;
            if (r.EndOfMessage) break;
        }
        return JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement.Clone();
    }

    public void Dispose() => ws.Dispose();
}
