using System.ComponentModel;
using HTag;
using Microsoft.AspNetCore.Http;

namespace HTagKube.Demo;

/// <summary>
/// Routes with parameters: <c>/items/{id:int}</c> binds <c>id</c> to Init like a query value (a non-number is a 404),
/// <c>/docs/{*path}</c> takes the rest of the path, and endpoints pick the app to show and talk to the user's Session
/// (htagweb's <c>handle(request, App)</c> and <c>request.session</c>).
/// </summary>
[Description("route parameters (an int from the path, the query beside it), links to the other routes")]
public sealed class Item : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    void Init(int id, string? tab = null)
    {
        PageTitle = $"Item {id}";
        var seen = new Tag.Span("0") { Class = "seen" };
        var n = 0;
        Add(Styles.Back(), new Tag.H1($"Item {id}") { Class = "item-title" },
            new Tag.P($"id = {id} (an int from the path), tab = {tab ?? "(none)"} (from the query)") { Class = "item-args" },
            new Tag.P(new Tag.Button("Seen") { Class = "see", OnClick = _ => seen.Text = (++n).ToString() }, " ", seen),
            new Tag.Nav(new Tag.A("item 1") { ["href"] = "/items/1" }, new Tag.A("item 2?tab=specs") { ["href"] = "/items/2?tab=specs" },
                new Tag.A("docs/guide/intro") { ["href"] = "/docs/guide/intro" }, new Tag.A("pick/hello") { ["href"] = "/pick/hello" },
                new Tag.A("sign in as ann") { ["href"] = "/signin/ann" }));
    }
}

/// <summary>A catch-all route: <c>path</c> is everything after <c>/docs/</c>.</summary>
[Description("a catch-all route; reads the session an endpoint wrote (/signin/ann)")]
public sealed class Docs : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    void Init(string path = "")
    {
        PageTitle = "Docs";
        var who = Session.TryGetValue("signed-in", out var name) ? name as string : null;
        Add(Styles.Back(), new Tag.H1("Docs"), new Tag.P("page: " + path) { Class = "doc-path" },
            new Tag.P("signed in (from the session an endpoint wrote): " + (who ?? "nobody")) { Class = "doc-user" });
    }
}

/// <summary>The endpoints of this demo.</summary>
public static class RoutesDemo
{
    public static HTagServer Map(HTagServer server) => server
        .Map<Item>("/items/{id:int}", example: "/items/1")
        .Map<Docs>("/docs/{*path}", example: "/docs/guide/intro")
        // The endpoint chooses the app from the path (htagweb's examples/main.py).
        .MapGet("/pick/{name}", ctx => (ctx.Request.RouteValues["name"] as string) switch
        {
            "hello" => ctx.RenderAppAsync<Hello>(),
            "counter" => ctx.RenderAppAsync<Counter>(),
            _ => NotFound(ctx),
        })
        // The endpoint writes the user's session; the apps read it (htagweb's OAuth example hands over the user so).
        .MapGet("/signin/{who:alpha}", ctx =>
        {
            ctx.HTagSession()["signed-in"] = ctx.Request.RouteValues["who"] as string;
            ctx.Response.Redirect("/docs/after-sign-in");
            return Task.CompletedTask;
        });

    static Task NotFound(HttpContext ctx)
    {
        ctx.Response.StatusCode = StatusCodes.Status404NotFound;
        return ctx.Response.WriteAsync("no such app", ctx.RequestAborted);
    }
}
