using System.ComponentModel;
using HTag;
using Microsoft.Extensions.Logging;

namespace HTagKube.Demo;

/// <summary>The request and the user as an app sees them (Tag.Request, Tag.User), and the app logger (Tag.Log).</summary>
[Description("the request, the signed-in user and the app logger")]
public sealed class WhoAmI : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        PageTitle = "Who am I";
        var r = Request;
        var query = new Tag.Ul { Class = "query" };
        foreach (var (k, v) in r.Query) query.Add(new Tag.Li($"{k} = {string.Join(", ", v)}"));
        var user = User.IsAuthenticated
            ? new Tag.P($"Signed in as {User.Name ?? User.Subject} ({User.Email}), groups: {string.Join(", ", User.Groups)}")
            {
                Class = "user",
            }
            : new Tag.P("Anonymous (the router passes who you are once you sign in).") { Class = "user" };
        var logged = new Tag.Span("") { Class = "logged" };
        var log = new Tag.Button("Write a log line") { Class = "log" };
        log.OnClick = _ =>
        {
            Log.LogInformation("whoami: the user asked for a log line from {Address}", Request.ClientAddress);
            logged.Text = "written to the userpod's log";
        };
        Add(Styles.Back(), new Tag.H1("Who am I"), user,
            new Tag.P("Path: ", new Tag.Code(r.Path) { Class = "path" }),
            new Tag.P("Your address: ", new Tag.Code(r.ClientAddress ?? "?") { Class = "address" }),
            new Tag.P("Browser: ", new Tag.Code(r.Headers.GetValueOrDefault("User-Agent") ?? "?") { Class = "agent" }),
            new Tag.P("Query (all of it, also what Init does not bind):"), query,
            new Tag.P(log, " ", logged));
    }
}
