using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace HTag.Server.Tests;

public sealed class ItemApp : Tag.Div
{
    void Init(int id, string? tab = null) =>
        Add(new Tag.P($"item {id} tab {tab ?? "-"} route {string.Join(",", Request.RouteValues.Select(kv => kv.Key + "=" + kv.Value))}") { ["class"] = "args" },
            new Tag.Button("+") { ["class"] = "inc", OnClick = _ => Add("+") });
}

public sealed class PathApp : Tag.Div
{
    void Init(string path = "") => Add(new Tag.P("path=" + path) { ["class"] = "path" });
}

public sealed class NewItemApp : Tag.Div
{
    protected override void Init() => Add(new Tag.P("new item form"));
}

public sealed class SessionReader : Tag.Div
{
    protected override void Init() => Add(new Tag.P("who=" + (Session.TryGetValue("who", out var w) ? w : "nobody")) { ["class"] = "who" });
}

public sealed class RenderFailsApp : Tag.Div
{
    protected override void Render() => throw new InvalidOperationException("render kaputt");
}

/// <summary>Route templates (ASP.NET Core's syntax and matcher) for apps and endpoints, endpoints rendering apps and using the session.</summary>
public class RoutesTests
{
    static Task<Harness> Start() => Harness.StartAsync(s => s
        .Map<ItemApp>("/items/{id:int}")
        .Map<NewItemApp>("/items/new")
        .Map<PathApp>("/docs/{*path}")
        .MapGet("/api/{kind}/{n:int:min(1)}", ctx => ctx.Response.WriteAsync($"{ctx.Request.RouteValues["kind"]}#{ctx.Request.RouteValues["n"]}"))
        .MapGet("/pick/{name}", ctx => (ctx.Request.RouteValues["name"] as string) switch
        {
            "item" => ctx.RenderAppAsync<ItemApp>(),
            "who" => ctx.RenderAppAsync<SessionReader>(o => o.HttpOnly = true),
            _ => Task.CompletedTask,
        })
        .MapPost("/signin/{who}", ctx => { ctx.HTagSession()["who"] = ctx.Request.RouteValues["who"]; return Task.CompletedTask; })
        .MapGet("/session", ctx => ctx.Response.WriteAsync("who=" + (ctx.HTagSession().TryGetValue("who", out var w) ? w : "nobody"))));

    [Fact]
    public async Task Route_values_bind_to_Init_by_name_with_the_query_and_constraints_decide_the_match()
    {
        await using var h = await Start();
        var page = await h.GetPageAsync("/items/42?tab=specs");
        Assert.Contains("item 42 tab specs route id=42", page.Html);
        Assert.Equal("/items/{id:int}", page.App);
        Assert.Equal(HttpStatusCode.NotFound, (await h.Http.GetAsync("/items/abc")).StatusCode);   // {id:int}
        Assert.Contains("new item form", await h.Http.GetStringAsync("/items/new"));             // a literal wins over a parameter
        Assert.Contains("path=a/b/c.md", await h.Http.GetStringAsync("/docs/a/b/c.md"));        // catch-all
        Assert.Contains("path=", await h.Http.GetStringAsync("/docs/"));
        Assert.Equal("books#3", await h.Http.GetStringAsync("/api/books/3"));
        Assert.Equal(HttpStatusCode.NotFound, (await h.Http.GetAsync("/api/books/0")).StatusCode); // min(1)
        Assert.Equal(HttpStatusCode.NotFound, (await h.Http.PostAsync("/api/books/3", null)).StatusCode); // GET only
    }

    [Fact]
    public async Task Each_path_has_its_instance_and_its_page_talks_to_it_over_the_websocket()
    {
        await using var h = await Start();
        var one = await h.GetPageAsync("/items/1");
        Assert.Equal(one.Instance, (await h.GetPageAsync("/items/1")).Instance); // same path and query: same instance
        var two = await h.GetPageAsync("/items/2");
        Assert.NotEqual(one.Instance, two.Instance);
        using var ws = await h.ConnectAsync(two);
        await ws.ClickAsync(two.IdOf("class=\"inc\""));
        var reply = (await ws.ReceiveAsync())!.Value;
        Assert.Contains("+", reply.GetProperty("update").EnumerateObject().Single().Value.GetString());
    }

    [Fact]
    public async Task A_lost_instance_of_a_template_app_is_rebuilt_for_the_pages_path_on_reconnect()
    {
        await using var h = await Start();
        var page = await h.GetPageAsync("/items/5?tab=x");
        var ws = new System.Net.WebSockets.ClientWebSocket();
        ws.Options.SetRequestHeader("X-HTag-Token", Harness.Token);
        ws.Options.SetRequestHeader("Origin", h.BaseUrl); // a browser page's own origin: only it may adopt
        var uri = h.BaseUrl.Replace("http://", "ws://") + "/_htag/ws?app=" + Uri.EscapeDataString(page.App) + "&i=gone&q=" +
                  Uri.EscapeDataString("?tab=x") + "&u=" + Uri.EscapeDataString("/items/5");
        await ws.ConnectAsync(new Uri(uri), CancellationToken.None);
        using var client = new WsClient(ws);
        var first = (await client.ReceiveAsync())!.Value;
        Assert.Contains("item 5 tab x", first.GetProperty("root").GetString());
    }

    [Fact]
    public async Task An_endpoint_renders_an_app_and_reads_and_writes_the_users_session()
    {
        await using var h = await Start();
        var page = await h.GetPageAsync("/pick/item?id=9");
        Assert.Contains("item 9", page.Html);
        Assert.StartsWith("@", page.App);
        using (var ws = await h.ConnectAsync(page))
        {
            await ws.ClickAsync(page.IdOf("class=\"inc\""));
            Assert.True((await ws.ReceiveAsync())!.Value.TryGetProperty("update", out _));
        }
        Assert.Equal("who=nobody", await h.Http.GetStringAsync("/session"));
        (await h.Http.PostAsync("/signin/ann", null)).EnsureSuccessStatusCode();
        Assert.Equal("who=ann", await h.Http.GetStringAsync("/session"));
        var who = await h.GetPageAsync("/pick/who");
        Assert.Contains("who=ann", who.Html);
        Assert.Contains("data-htag-http-only", who.Html); // the options of the call
    }

    [Fact]
    public async Task Bad_templates_and_duplicates_fail_at_map_time()
    {
        var s = HTagServer.Create([]);
        Assert.ThrowsAny<ArgumentException>(() => s.Map<ItemApp>("/items/{id"));
        Assert.ThrowsAny<Exception>(() => s.Map<ItemApp>("/items/{id:nosuchconstraint}"));
        s.Map<ItemApp>("/x/{id:int}");
        Assert.Throws<ArgumentException>(() => s.Map<ItemApp>("/x/{id:int}"));
        s.MapGet("/y", _ => Task.CompletedTask);
        Assert.Throws<ArgumentException>(() => s.MapGet("/y", _ => Task.CompletedTask));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Messages_up_to_one_MiB_are_accepted_by_default_and_an_app_can_lower_its_limit()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/big").Map<CounterApp>("/small", o => o.MaxMessageBytes = 2048));
        var big = await h.GetPageAsync("/big");
        using (var ws = await h.ConnectAsync(big))
        {
            var pad = new string('x', 600 * 1024); // over the old 64 KiB limit
            await ws.SendAsync(JsonSerializer.Serialize(new { id = big.IdOf("class=\"inc\""), ev = "click", data = new { pad } }));
            Assert.True((await ws.ReceiveAsync())!.Value.TryGetProperty("update", out _));
            await ws.ClickAsync(big.IdOf("class=\"inc\""));  // the grown buffer was let go; small ones still work
            Assert.True((await ws.ReceiveAsync())!.Value.TryGetProperty("update", out _));
        }
        var small = await h.GetPageAsync("/small");
        using var ws2 = await h.ConnectAsync(small);
        await ws2.SendAsync(JsonSerializer.Serialize(new { id = small.IdOf("class=\"inc\""), ev = "click", data = new { pad = new string('x', 4096) } }));
        Assert.Null(await ws2.ReceiveAsync()); // closed: policy violation
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, ws2.Socket.CloseStatus);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppOptions { MaxMessageBytes = 10 });
    }

    [Fact]
    public async Task A_render_that_throws_on_the_first_page_is_a_500_with_the_stack_under_debug()
    {
        await using var h = await Harness.StartAsync(s => s.Map<RenderFailsApp>("/r"), o => o.Debug = true);
        var r = await h.Http.GetAsync("/r");
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Contains("render kaputt", await r.Content.ReadAsStringAsync());
    }
}
