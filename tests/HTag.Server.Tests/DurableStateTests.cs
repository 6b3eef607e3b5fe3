using System.Net;
using System.Text;
using HTagKube.Contract;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HTag.Server.Tests;

/// <summary>An app whose count, tags and greeting live in the user's session.</summary>
public sealed class DurableApp : Tag.Div
{
    public static int Built;

    public DurableApp() => Interlocked.Increment(ref Built);

    protected override void Init()
    {
        var greeting = Session.TryGetValue("greeting", out var g) && g is string s ? s : "none";
        var count = new Tag.Span(State.Get<int>("n").ToString()) { ["class"] = "count" };
        Add(new Tag.Span(greeting) { ["class"] = "greeting" }, count,
            new Tag.Button("+1") { ["class"] = "inc", OnClick = _ => { State["n"] = State.Get<int>("n") + 1; count.Text = State.Get<int>("n").ToString(); } },
            new Tag.Button("same") { ["class"] = "same", OnClick = _ => count.Text = State.Get<int>("n").ToString() },
            new Tag.Button("tag")
            {
                ["class"] = "tag",
                OnClick = _ =>
                {
                    // Changed in place: only the flush, reading the list as it is, can see it.
                    if (State.Get<List<string>>("tags") is { } tags) tags.Add("t");
                    else State["tags"] = new List<string> { "t" };
                },
            },
            new Tag.Button("bad") { ["class"] = "bad", OnClick = _ => Session["bad"] = new Uri("http://example.org/") },
            new Tag.Button("big") { ["class"] = "big", OnClick = _ => State["blob"] = new string('x', 5000) },
            new Tag.Button("small") { ["class"] = "small", OnClick = _ => State.Remove("blob") });
    }
}

/// <summary>
/// A router's state endpoint (<see cref="StateProtocol"/>) on a real loopback Kestrel: documents per key, 403 unless the
/// token is the userpod's, 413 over <see cref="MaxBytes"/> (nothing stored), 503 for the next <see cref="FailNextGets"/> GETs.
/// </summary>
public sealed class StateStore : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly Dictionary<string, byte[]> _docs = [];
    int _gets, _puts, _refused, _failNextGets;

    StateStore(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";
    public int MaxBytes { get; set; } = StateProtocol.DefaultMaxBytes;
    public int Gets => Volatile.Read(ref _gets);
    /// <summary>Documents stored.</summary>
    public int Puts => Volatile.Read(ref _puts);
    /// <summary>PUTs answered 413.</summary>
    public int Refused => Volatile.Read(ref _refused);
    public int FailNextGets { set => Volatile.Write(ref _failNextGets, value); }

    public string? Doc(string key)
    {
        lock (_docs) return _docs.TryGetValue(key, out var d) ? Encoding.UTF8.GetString(d) : null;
    }

    public void Put(string key, string json)
    {
        lock (_docs) _docs[key] = Encoding.UTF8.GetBytes(json);
    }

    public static async Task<StateStore> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var store = new StateStore(app);
        app.Run(store.HandleAsync);
        await app.StartAsync();
        store.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return store;
    }

    async Task HandleAsync(HttpContext ctx)
    {
        var key = ctx.Request.Headers[Headers.StateKey].ToString();
        if (ctx.Request.Path != StateProtocol.Path) { ctx.Response.StatusCode = 404; return; }
        if (ctx.Request.Headers[Headers.Token] != Harness.Token || key.Length == 0) { ctx.Response.StatusCode = 403; return; }
        if (HttpMethods.IsGet(ctx.Request.Method))
        {
            Interlocked.Increment(ref _gets);
            if (Interlocked.Decrement(ref _failNextGets) >= 0) { ctx.Response.StatusCode = 503; return; }
            byte[]? doc;
            lock (_docs) doc = _docs.GetValueOrDefault(key);
            if (doc is null) { ctx.Response.StatusCode = 204; return; }
            ctx.Response.ContentType = StateProtocol.ContentType;
            await ctx.Response.Body.WriteAsync(doc, ctx.RequestAborted);
            return;
        }
        if (!HttpMethods.IsPut(ctx.Request.Method)) { ctx.Response.StatusCode = 405; return; }
        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body, ctx.RequestAborted);
        if (body.Length > MaxBytes)
        {
            Interlocked.Increment(ref _refused);
            ctx.Response.StatusCode = 413;
            await ctx.Response.WriteAsync($"state document over the {MaxBytes}-byte limit", ctx.RequestAborted);
            return;
        }
        lock (_docs) _docs[key] = body.ToArray();
        Interlocked.Increment(ref _puts);
        ctx.Response.StatusCode = 204;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public class DurableStateTests
{
    const string Key = "0123456789abcdef0123456789abcdef";
    const string OtherKey = "fedcba9876543210fedcba9876543210";
    static readonly string Slice = typeof(DurableApp).FullName!;

    /// <summary>What the router adds to every request it forwards to the user's userpod.</summary>
    static void Route(Harness h, StateStore store, string key = Key)
    {
        h.Http.DefaultRequestHeaders.Add(Headers.StateKey, key);
        h.Http.DefaultRequestHeaders.Add(Headers.StateUrl, store.Url);
    }

    static async Task<string> ClickAsync(WsClient ws, AppPage page, string cls)
    {
        await ws.ClickAsync(page.IdOf($"class=\"{cls}\""));
        // The reply's updated HTML and error, unescaped.
        var m = (await ws.ReceiveAsync())!.Value;
        var parts = new List<string>();
        if (m.TryGetProperty("update", out var update)) parts.AddRange(update.EnumerateObject().Select(p => p.Value.GetString()!));
        if (m.TryGetProperty("err", out var err)) parts.Add(err.GetString()!);
        return string.Join("\n", parts);
    }

    /// <summary>Waits until the store took <paramref name="puts"/> writes, and checks it takes no more.</summary>
    static async Task StoredAsync(StateStore store, int puts)
    {
        await Eventually.True(() => store.Puts >= puts, TimeSpan.FromSeconds(10), $"{puts} write(s) stored");
        Assert.Equal(puts, store.Puts);
    }

    [Fact]
    public async Task The_stored_session_is_loaded_before_the_first_instance_and_written_once_per_interaction_that_changed_it()
    {
        await using var store = await StateStore.StartAsync();
        store.Put(Key, """{"v":1,"session":{"greeting":"welcome back"},"state":{"SLICE":{"n":41}}}""".Replace("SLICE", Slice));
        await using var h = await Harness.StartAsync(s => s.Map<DurableApp>("/").Map<DurableApp>("/http", o => o.HttpOnly = true)
            .MapPost("/remember", ctx => { ctx.HTagSession()["remembered"] = "yes"; return Task.CompletedTask; }));
        Route(h, store);

        var page = await h.GetPageAsync("/");
        Assert.Contains(">welcome back</span>", page.Html);
        Assert.Contains("class=\"count\">41</span>", page.Html);
        Assert.Equal((1, 0), (store.Gets, store.Puts)); // loaded; nothing changed, nothing written

        using var ws = await h.ConnectAsync(page);
        Assert.Contains(">42<", await ClickAsync(ws, page, "inc"));
        // Stored beside the reply (not before it), and before the next interaction runs.
        await StoredAsync(store, 1);
        Assert.Contains("\"n\":42", store.Doc(Key));
        await ClickAsync(ws, page, "same");
        await ClickAsync(ws, page, "tag");
        await ClickAsync(ws, page, "tag");
        await StoredAsync(store, 3); // "same" changed nothing: not written
        Assert.Contains("\"tags\":[\"t\",\"t\"]", store.Doc(Key));

        // The other transports and endpoints write too, before their response.
        var http = await h.GetPageAsync("/http");
        using (var post = await h.Http.PostAsync($"/_htag/post?app=%2Fhttp&i={http.Instance}",
                   new StringContent($"{{\"id\":\"{http.IdOf("class=\"inc\"")}\",\"ev\":\"click\"}}")))
        {
            var reply = System.Text.Json.JsonDocument.Parse(await post.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains(">43<", string.Concat(reply.GetProperty("update").EnumerateObject().Select(p => p.Value.GetString())));
        }
        await StoredAsync(store, 4);
        Assert.Contains("\"n\":43", store.Doc(Key));
        // An endpoint's change is stored before its response.
        using (var remember = await h.Http.PostAsync("/remember", null)) Assert.True(remember.IsSuccessStatusCode);
        Assert.Equal(5, store.Puts);
        Assert.Contains("\"remembered\":\"yes\"", store.Doc(Key));

        // Loaded once per process; another user's key is never loaded nor written.
        {
            // A client of its own: h.Http would send the user's key as well.
            using var bare = new HttpClient { BaseAddress = new Uri(h.BaseUrl) };
            using var req = new HttpRequestMessage(HttpMethod.Get, "/");
            req.Headers.Add(Headers.Token, Harness.Token);
            req.Headers.Add(Headers.StateKey, OtherKey);
            req.Headers.Add(Headers.StateUrl, store.Url);
            using var resp = await bare.SendAsync(req);
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        }
        await h.GetPageAsync("/");
        Assert.Equal(1, store.Gets);
        Assert.Null(store.Doc(OtherKey));
    }

    [Fact]
    public async Task A_new_userpod_of_the_same_user_starts_where_the_lost_one_stopped()
    {
        await using var store = await StateStore.StartAsync();
        await using (var first = await Harness.StartAsync(s => s.Map<DurableApp>("/")))
        {
            Route(first, store);
            var page = await first.GetPageAsync("/");
            Assert.Contains("class=\"count\">0</span>", page.Html);
            using var ws = await first.ConnectAsync(page);
            await ClickAsync(ws, page, "inc");
            await ClickAsync(ws, page, "inc");
            await ClickAsync(ws, page, "tag");
        }
        await using var second = await Harness.StartAsync(s => s.Map<DurableApp>("/"));
        Route(second, store);
        var again = await second.GetPageAsync("/");
        Assert.Contains("class=\"count\">2</span>", again.Html);
        // The restored list is read typed and changed in place: the change is stored.
        using var ws2 = await second.ConnectAsync(again);
        await ClickAsync(ws2, again, "tag");
        await Eventually.True(() => store.Doc(Key)?.Contains("\"tags\":[\"t\",\"t\"]", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(10), "the changed list stored");
    }

    [Fact]
    public async Task A_value_that_cannot_be_kept_is_refused_at_assignment_and_the_app_hears_why()
    {
        await using var store = await StateStore.StartAsync();
        await using var h = await Harness.StartAsync(s => s.Map<DurableApp>("/"));
        Route(h, store);
        var page = await h.GetPageAsync("/");
        using var ws = await h.ConnectAsync(page);
        var reply = await ClickAsync(ws, page, "bad");
        Assert.Contains("Session[\"bad\"]", reply);
        Assert.Contains("HTagJson.Register", reply);
        Assert.Equal(0, store.Puts);
        Assert.Contains(">1<", await ClickAsync(ws, page, "inc"));
        await StoredAsync(store, 1);
        Assert.DoesNotContain("bad", store.Doc(Key));
    }

    [Fact]
    public async Task Over_the_size_limit_the_app_gets_an_error_and_the_stored_document_stays()
    {
        await using var store = await StateStore.StartAsync();
        store.MaxBytes = 1000;
        await using var h = await Harness.StartAsync(s => s.Map<DurableApp>("/"));
        Route(h, store);
        var page = await h.GetPageAsync("/");
        using var ws = await h.ConnectAsync(page);
        await ClickAsync(ws, page, "inc");
        await StoredAsync(store, 1);
        var stored = store.Doc(Key);
        Assert.Contains("\"n\":1", stored);

        // The reply does not wait for the store: its refusal is pushed to the page (before or after the reply).
        await ws.ClickAsync(page.IdOf("class=\"big\""));
        var both = string.Join("\n", (await ws.ReceiveAsync())!.Value.ToString(), (await ws.ReceiveAsync())!.Value.ToString());
        Assert.Contains("over the size limit", both);
        Assert.Contains("over the 1000-byte limit", both); // the store's own words
        Assert.Equal(1, store.Refused);
        Assert.Equal(stored, store.Doc(Key));
        // Back under the limit: the session equals the stored one again, nothing to write; the next change is stored.
        Assert.Equal("", await ClickAsync(ws, page, "small")); // nothing new to report, nothing changed on the page
        Assert.Contains(">2<", await ClickAsync(ws, page, "inc"));
        await StoredAsync(store, 2);
        Assert.Equal(1, store.Refused);
        Assert.Contains("\"n\":2", store.Doc(Key));
    }

    [Fact]
    public async Task When_the_session_cannot_be_loaded_the_request_is_a_503_and_a_later_one_loads_it()
    {
        await using var store = await StateStore.StartAsync();
        store.Put(Key, """{"v":1,"session":{},"state":{"SLICE":{"n":7}}}""".Replace("SLICE", Slice));
        await using var h = await Harness.StartAsync(s => s.Map<DurableApp>("/"));
        var built = Volatile.Read(ref DurableApp.Built);
        int closedPort;
        using (var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0)) { l.Start(); closedPort = ((IPEndPoint)l.LocalEndpoint).Port; }

        async Task<HttpResponseMessage> GetAsync(string stateUrl)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, "/");
            req.Headers.Add(Headers.StateKey, Key);
            req.Headers.Add(Headers.StateUrl, stateUrl);
            return await h.Http.SendAsync(req);
        }

        using (var unreachable = await GetAsync($"http://127.0.0.1:{closedPort}"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unreachable.StatusCode);
            Assert.Contains("could not be loaded", await unreachable.Content.ReadAsStringAsync());
        }
        store.FailNextGets = 1;
        using (var failing = await GetAsync(store.Url)) Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
        Assert.Equal(built, Volatile.Read(ref DurableApp.Built)); // no app ran with an empty session
        using (var ok = await GetAsync(store.Url))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains("class=\"count\">7</span>", await ok.Content.ReadAsStringAsync());
        }
        Assert.Equal((2, 0), (store.Gets, store.Puts));
    }

    [Fact]
    public async Task Without_the_state_headers_or_the_token_check_the_store_is_never_called()
    {
        await using var store = await StateStore.StartAsync();
        await using (var h = await Harness.StartAsync(s => s.Map<DurableApp>("/")))
        {
            var page = await h.GetPageAsync("/");
            using var ws = await h.ConnectAsync(page);
            Assert.Contains(">1<", await ClickAsync(ws, page, "inc"));
        }
        // Standalone (no token): headers anyone could send are not the router's word.
        await using (var standalone = await Harness.StartAsync(s => s.Map<DurableApp>("/"), o => o.Token = null))
        {
            Route(standalone, store);
            var page = await standalone.GetPageAsync("/");
            using var ws = await standalone.ConnectAsync(page);
            Assert.Contains(">1<", await ClickAsync(ws, page, "inc"));
        }
        Assert.Equal((0, 0), (store.Gets, store.Puts));
    }

    [Fact]
    public async Task Warm_up_neither_loads_nor_writes_and_its_session_is_not_the_users()
    {
        await using var store = await StateStore.StartAsync();
        store.Put(Key, """{"v":1,"session":{"greeting":"stored"},"state":{}}""");
        await using var h = await Harness.StartAsync(s => s.Map<WarmCountedApp>("/").Map<DurableApp>("/durable"), o => o.WarmUp = true);
        Assert.Equal((0, 0), (store.Gets, store.Puts));
        Route(h, store);
        var page = await h.GetPageAsync("/");
        Assert.Contains(">clean</span>", page.Html); // not the warm-up's mark
        // Its Init wrote the mark: stored before the page was sent, with the stored greeting and nothing of the warm-up's.
        Assert.Equal((1, 1), (store.Gets, store.Puts));
        var doc = store.Doc(Key)!;
        Assert.Contains("\"greeting\":\"stored\"", doc);
        Assert.Contains("\"mark\":\"seen\"", doc);
        Assert.Contains(">stored</span>", (await h.GetPageAsync("/durable")).Html);
    }
}

public class DemoDurableStateTests
{
    const string Key = "00112233445566778899aabbccddeeff";

    static async Task<(HttpClient Http, WsClient Ws, AppPage Page)> OpenAsync(DemoProcess demo, StateStore store, string path)
    {
        var http = new HttpClient { BaseAddress = new Uri(demo.BaseUrl) };
        http.DefaultRequestHeaders.Add(HTagKube.Contract.Headers.Token, Harness.Token);
        http.DefaultRequestHeaders.Add(HTagKube.Contract.Headers.StateKey, Key);
        http.DefaultRequestHeaders.Add(HTagKube.Contract.Headers.StateUrl, store.Url);
        var page = new AppPage(await http.GetStringAsync(path));
        var ws = new System.Net.WebSockets.ClientWebSocket();
        ws.Options.SetRequestHeader(HTagKube.Contract.Headers.Token, Harness.Token);
        ws.Options.SetRequestHeader(HTagKube.Contract.Headers.StateKey, Key);
        ws.Options.SetRequestHeader(HTagKube.Contract.Headers.StateUrl, store.Url);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ws.ConnectAsync(new Uri(demo.BaseUrl.Replace("http", "ws") + "/_htag/ws?app=" + Uri.EscapeDataString(path) + "&i=" + page.Instance),
            cts.Token);
        return (http, new WsClient(ws), page);
    }

    [Fact]
    public async Task The_demo_counter_and_todo_list_come_back_after_the_userpod_is_killed()
    {
        await using var store = await StateStore.StartAsync();
        await using (var demo = await DemoProcess.StartAsync(Harness.Token))
        {
            var (http, ws, page) = await OpenAsync(demo, store, "/counter");
            using (http)
            using (ws)
            {
                Assert.Contains("class=\"count\">0</span>", page.Html);
                for (var i = 0; i < 2; i++)
                {
                    await ws.ClickAsync(page.IdOf("class=\"inc\""));
                    Assert.NotNull(await ws.ReceiveAsync());
                }
            }
            var (http2, ws2, todo) = await OpenAsync(demo, store, "/todo");
            using (http2)
            using (ws2)
            {
                await ws2.SendAsync($"{{\"id\":\"{FormId(todo)}\",\"ev\":\"submit\",\"data\":{{\"text\":\"buy milk\"}}}}");
                var reply = (await ws2.ReceiveAsync())!.Value;
                Assert.False(reply.TryGetProperty("err", out var err), err.ToString());
            }
            // The write goes beside the reply: lost after it landed (a userpod lost within that round trip loses that change).
            await Eventually.True(() => store.Doc(Key)?.Contains("buy milk", StringComparison.Ordinal) == true,
                TimeSpan.FromSeconds(10), "the todo stored");
            demo.Process.Kill(); // lost, not stopped
        }
        await using var again = await DemoProcess.StartAsync(Harness.Token);
        var (http3, ws3, counter) = await OpenAsync(again, store, "/counter");
        using (http3)
        using (ws3)
        {
            Assert.Contains("class=\"count\">2</span>", counter.Html);
            Assert.Contains(">buy milk</span>", await http3.GetStringAsync("/todo"));
        }
    }

    static string FormId(AppPage page)
    {
        var m = System.Text.RegularExpressions.Regex.Match(page.Html, "<form id=\"(h[0-9a-f]+)\"");
        Assert.True(m.Success, page.Html);
        return m.Groups[1].Value;
    }
}
