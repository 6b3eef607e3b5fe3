using System.Net;

namespace HTag.Server.Tests;

/// <summary>An app that counts its instances and leaves a mark in the user's session and its own state.</summary>
public sealed class WarmCountedApp : Tag.Div
{
    public static int Built;
    public WarmCountedApp()
    {
        Interlocked.Increment(ref Built);
        Add(new Tag.Span("visits") { ["class"] = "visits" }, new Tag.Button("+1") { ["class"] = "inc", OnClick = _ => { } });
    }

    protected override void Init()
    {
        // What the previous render left in the session, then this render's mark.
        var before = Session.TryGetValue("mark", out var m) ? m as string : null;
        Add(new Tag.Span(before ?? "clean") { ["class"] = "session" });
        Session["mark"] = "seen";
        State["n"] = 1;
    }
}

/// <summary>A second app type: the warm-up renders every app, not just the first.</summary>
public sealed class WarmOtherApp : Tag.Div
{
    public static int Built;
    public WarmOtherApp() { Interlocked.Increment(ref Built); Add(new Tag.Span("other")); }
}

/// <summary>An app whose construction fails: warm-up must log it and go on.</summary>
public sealed class WarmBrokenApp : Tag.Div
{
    public WarmBrokenApp() => throw new InvalidOperationException("broken on purpose");
}

public class WarmUpTests
{
    [Fact]
    public async Task Warm_up_renders_every_app_once_before_start_returns_then_the_user_gets_fresh_instances_and_an_empty_session()
    {
        var (counted, other) = (Volatile.Read(ref WarmCountedApp.Built), Volatile.Read(ref WarmOtherApp.Built));
        await using var h = await Harness.StartAsync(s => s.Map<WarmCountedApp>("/").Map<WarmOtherApp>("/other").Map<WarmBrokenApp>("/broken"),
            o => o.WarmUp = true);

        // Rendered once each over the loopback connection by the time the server announces itself.
        Assert.Equal(counted + 1, Volatile.Read(ref WarmCountedApp.Built));
        Assert.Equal(other + 1, Volatile.Read(ref WarmOtherApp.Built));
        using var bare = new HttpClient { BaseAddress = new Uri(h.BaseUrl) };
        Assert.Equal("ok", await bare.GetStringAsync("/readyz"));

        // The real user: a new instance, and nothing the warm-up wrote in the session.
        var page = await h.GetPageAsync("/");
        Assert.Equal(counted + 2, Volatile.Read(ref WarmCountedApp.Built));
        Assert.Contains(">clean</span>", page.Html);
        // The user's own instance works over its WebSocket.
        using var ws = await h.ConnectAsync(page);
        await ws.SendAsync($"{{\"hello\":\"{page.Instance}\"}}");
        var reply = await ws.ReceiveAsync();
        Assert.NotNull(reply);
        Assert.False(reply.Value.TryGetProperty("reload", out _), reply.Value.ToString());
        // A broken app is still a clear 500, not a dead server.
        Assert.Equal(HttpStatusCode.InternalServerError, (await h.Http.GetAsync("/broken")).StatusCode);
    }

    [Fact]
    public async Task Without_warm_up_nothing_is_rendered_before_the_first_request()
    {
        await using var h = await Harness.StartAsync(s => s.Map<WarmNotRenderedApp>("/"));
        Assert.Equal(0, Volatile.Read(ref WarmNotRenderedApp.Built));
        await h.GetPageAsync("/");
        Assert.Equal(1, Volatile.Read(ref WarmNotRenderedApp.Built));
    }

    [Fact]
    public async Task Readyz_answers_503_while_warming_up_and_healthz_stays_200()
    {
        var server = HTagServer.Create(["--urls", "http://127.0.0.1:0"]).Configure(o => { o.Token = Harness.Token; o.WarmUp = true; })
            .Map<WarmGatedApp>("/");
        WarmGatedApp.Gate.Reset();
        var start = server.StartAsync();
        try
        {
            // Kestrel listens before the warm-up; the warm-up's first render is held at the gate.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (server.Urls.Count == 0 || !WarmGatedApp.Entered.IsSet)
            {
                Assert.True(DateTime.UtcNow < deadline, "the warm-up never reached the app");
                await Task.WhenAny(start, Task.Delay(20));
            }
            Assert.False(start.IsCompleted, "StartAsync returns only after the warm-up");
            using var bare = new HttpClient { BaseAddress = new Uri(server.Urls[0]) };
            var ready = await bare.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("warming up", await ready.Content.ReadAsStringAsync());
            Assert.Equal("ok", await bare.GetStringAsync("/healthz"));
            WarmGatedApp.Gate.Set();
            await start.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("ok", await bare.GetStringAsync("/readyz"));
        }
        finally
        {
            WarmGatedApp.Gate.Set();
            await server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("http://[::]:8080", "127.0.0.1:8080")]
    [InlineData("http://+:8080", "127.0.0.1:8080")]
    [InlineData("http://0.0.0.0:80/", "127.0.0.1:80")]
    [InlineData("http://localhost:81", "127.0.0.1:81")]
    [InlineData("http://[::1]:82", "[::1]:82")]
    public void Loopback_endpoint_of_a_bound_url(string url, string expected) =>
        Assert.Equal(expected, WarmUp.LoopbackEndpoint(url)?.ToString());

    [Theory]
    [InlineData("https://127.0.0.1:5001")]
    [InlineData("http://10.1.2.3:8080")]
    [InlineData("http://example.org:80")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://127.0.0.1:99999")]
    [InlineData("?")]
    public void No_loopback_endpoint_for_other_urls(string url) => Assert.Null(WarmUp.LoopbackEndpoint(url));
}

public sealed class WarmNotRenderedApp : Tag.Div
{
    public static int Built;
    public WarmNotRenderedApp() { Interlocked.Increment(ref Built); Add(new Tag.Span("x")); }
}

/// <summary>Its construction waits at a gate the test opens (and says it got there).</summary>
public sealed class WarmGatedApp : Tag.Div
{
    public static readonly ManualResetEventSlim Gate = new(), Entered = new();
    public WarmGatedApp()
    {
        Entered.Set();
        Gate.Wait(TimeSpan.FromSeconds(30));
        Add(new Tag.Span("gated"));
    }
}
