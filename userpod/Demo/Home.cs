using HTag;

namespace HTagKube.Demo;

/// <summary>The demo's home: a link to every demo app.</summary>
public sealed class Home : Tag.Div
{
    internal static readonly (string Path, string Title, string What)[] Demos =
    [
        ("/counter", "Counter", "a click handler changing one element"),
        ("/hello?world", "Hello", "query parameters as Init arguments, input events, page title, Exit"),
        ("/todo", "Todo", "a list kept in State, form submit, checkboxes"),
        ("/clock", "Clock", "server push from a timer"),
        ("/progress", "Progress", "a progress bar fed by a background job"),
        ("/form", "Form", "form fields, validation, Call(js)"),
        ("/slow", "Slow", "async and streaming handlers, the interaction timeout"),
        ("/whoami?x=1", "Who am I", "the request, the signed-in user and the app logger"),
        ("/startup", "Startup", "an Init that hangs or throws: an error page within the timeout"),
        ("/files", "Files", "a wwwroot stylesheet and image, a download and a JSON endpoint"),
        ("/expose", "Expose", "server methods called from the page's JavaScript (htag.call)"),
        ("/upload", "Upload", "files streamed to a handler over HTTP, with a size limit"),
        ("/cdn", "CDN", "a style sheet from another origin, allowed by configuration under the strict CSP"),
        ("/counter-http", "Counter (http-only)", "interactions over POST"),
        ("/counter-parano", "Counter (parano)", "AES-256-GCM encrypted interactions"),
        ("/render", "Render", "htag's render(): content rebuilt from state before each rendering, only changes sent"),
        ("/fragment", "Fragments", "components with no element of their own (htag's Tag(None))"),
        ("/yield", "Yield", "generator handlers: yielded tags and text appended and streamed"),
        ("/items/1", "Routes", "route parameters (/items/{id:int}, /docs/{*path}), an endpoint picking the app, the session in endpoints"),
        ("/errors", "Errors", "window.error and the HTAG_DEBUG overlay for handler, render and Init errors"),
        ("/components", "Components", "per-component State, Call(js) with this, ToggleClass, SetStyle, htagoff"),
        ("/example", "htagweb example.py",
            "htagweb's example.py ported line for line (render, state, push, a parano http-only app from an endpoint)"),
        ("/app1?toto=hi", "htagweb app1.py", "htagweb's examples/app1.py ported line for line (query, a generator handler)"),
    ];

    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        PageTitle = "HTag demos";
        var list = new Tag.Ul { Class = "demos" };
        foreach (var (path, title, what) in Demos)
            list.Add(new Tag.Li(new Tag.A(title) { ["href"] = path }, " — " + what));
        Add(new Tag.H1("HTag demos"), new Tag.P("Each browser gets its own process; every app below runs in yours."), list);
    }
}

/// <summary>Shared look of the demos.</summary>
static class Styles
{
    public const string Base =
        "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}" +
        "button{padding:.3rem .8rem;margin:.2rem}input,select{padding:.3rem;margin:.2rem}" +
        ".error{color:#b00}.done{text-decoration:line-through;color:#888}nav a{margin-right:1rem}";

    /// <summary>A "back to the index" link for every demo.</summary>
    public static Tag Back() => new Tag.Nav(new Tag.A("← all demos") { ["href"] = "/" });
}
