using HTag;

namespace HTagKube.Demo.Ports;

// htagweb's example.py, ported line for line where C# allows (github.com/manatlan/htagweb, example.py):
//   - a dynamic object (TagSession), which got a render method (new way)
//   - using tag.state (in session)
//   - using tag.update with a task in a loop
//   - can recreate itself (when init params change)
//   - handle another route (on Jo())
// Paths moved under /example (the demo's index owns "/").

/// <summary>class TagSession(Tag.div): a dynamic component (render).</summary>
public sealed class TagSession : Tag.Div
{
    Tag otitle = null!, orendu = null!;

    protected override void Init()
    {
        this["style"] = "border:1px solid black";
        otitle = new Tag.H3 { ["style"] = "padding:0px;margin:0px;float:right" };
        orendu = new Tag.Pre { ["style"] = "padding:0px;margin:0px" };

        // draw ui
        Add(otitle);
        Add(orendu);
    }

    protected override void Render()
    {
        otitle.Clear(); otitle.Add("Live Session");
        orendu.Clear(); orendu.Add(Json.Dumps(Session));
    }
}

/// <summary>class App(Tag.body).</summary>
public sealed class App : Tag.Body
{
    protected override IEnumerable<Static> Statics => [Static.Script("window.error=alert")];

    Tag place = null!;

    void Init(string v = "0")
    {
        place = new Tag.Div { Js = "console.log('I update myself')" };
        _ = loop_timer();

        void inc_test_session(Event o)
        {
            var v = int.Parse(State.TryGetValue("integer", out var x) ? $"{x}" : "0");
            v = v + 1;
            State["integer"] = v;
        }
        void addd(Event o)
        {
            // Get reads the list back typed after a restore (a JsonNode until then), so Add changes the stored one.
            if (State.Get<List<string>>("list") is { } list)
                list.Add("x");
            else
                State["list"] = new List<string>();
        }
        void clllll(Event o) => State.Clear();

        Add(new Tag.Div($"V{v} (pid:{Environment.ProcessId})"));
        Add(new Tag.Button("inc integer") { OnClick = inc_test_session });
        Add(new Tag.Button("add list") { OnClick = addd });
        Add(new Tag.Button("clear") { OnClick = clllll });
        Add(new Tag.Button("X") { OnClick = o => Exit(), ["style"] = "float:right" });
        Add(new TagSession());

        Add(new Tag.Li(new Tag.A("t0") { ["href"] = "/example" }));           // \
        Add(new Tag.Li(new Tag.A("t1") { ["href"] = "/example?v=1" }));       //  |---> recreate the same app (param change)
        Add(new Tag.Li(new Tag.A("t2") { ["href"] = "/example?v=2" }));       // /
        Add(new Tag.Li(new Tag.A("Other app") { ["href"] = "/example/jo" })); // test an app with http only, and parano mode
        Add(new Tag.Li(new Tag.A("kaputt") { ["href"] = "/example/kaputt" })); // test a broken app
        Add(place);
    }

    async Task loop_timer()
    {
        // htagweb breaks when update() cannot deliver; here the instance's end (Ended) stops the loop, because the
        // first ticks may come before the page's WebSocket is open.
        try
        {
            while (true)
            {
                await Task.Delay(500, Ended);
                await place.UpdateAsync(() => { place.Clear(); place.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0); });
            }
        }
        catch (OperationCanceledException) { }
    }
}

/// <summary>class Jo(Tag.body): served by an endpoint, http-only and parano.</summary>
public sealed class Jo : Tag.Body
{
    protected override IEnumerable<Static> Statics => [Static.Script("window.error=alert")];

    protected override void Init()
    {
        void test(Event o) => Add(o.Target.Text);

        Add(new Tag.Button("A") { OnClick = test });
        Add(new Tag.Button("B") { OnClick = test });
    }
}

/// <summary>examples.kaputt: an app that cannot start (htagweb's is a file that does not import).</summary>
public sealed class Kaputt : Tag.Body
{
    protected override void Init() => throw new InvalidOperationException("kaputt");
}

/// <summary>The Runner and its routes.</summary>
public static class ExamplePy
{
    public static HTagServer Map(HTagServer app) => app
        .Map<App>("/example", description:
            "htagweb's example.py ported line for line (render, state, push, a parano http-only app from an endpoint)")
        .MapGet("/example/jo", serve)
        .MapGet("/example/kaputt", serve_kaputt);

    static Task serve(Microsoft.AspNetCore.Http.HttpContext req) =>
        req.RenderAppAsync<Jo>(o => { o.HttpOnly = true; o.Parano = true; });

    static Task serve_kaputt(Microsoft.AspNetCore.Http.HttpContext req) => req.RenderAppAsync<Kaputt>();
}

/// <summary>json.dumps(dict(session.items()), indent=1), for the values a session holds here (text, numbers, lists,
/// State slices).</summary>
static class Json
{
    public static string Dumps(IDictionary<string, object?> d)
    {
        using var ms = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(ms, new() { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var (k, v) in d.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WritePropertyName(k);
                Write(w, v);
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    static void Write(System.Text.Json.Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double f: w.WriteNumberValue(f); break;
            case bool b: w.WriteBooleanValue(b); break;
            case System.Text.Json.Nodes.JsonNode n: n.WriteTo(w); break; // a restored object or array not read typed yet
            case IDictionary<string, object?> inner:
                w.WriteStartObject();
                foreach (var (k, x) in inner.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.WritePropertyName(k);
                    Write(w, x);
                }
                w.WriteEndObject();
                break;
            case System.Collections.IEnumerable e:
                w.WriteStartArray();
                foreach (var x in e) Write(w, x);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(v.ToString()); break;
        }
    }
}
