using System.ComponentModel;
using HTag;

namespace MyApps;

/// <summary>A number and a button: the click handler runs on the server, the browser gets only the new text.</summary>
[Description("a number and a button: the click runs on the server")]
public sealed class Counter : Tag.Div
{
    int _count;

    protected override IEnumerable<Static> Statics => [Static.StyleSheet("/app.css")];

    protected override void Init()
    {
        PageTitle = "MyApps: counter";
        var count = new Tag.Span("0") { Class = "count" };
        Add(new Tag.H1("MyApps: counter"),
            new Tag.P(count, " ", new Tag.Button("+1") { OnClick = _ => count.Text = (++_count).ToString() }),
            new Tag.P(new Tag.A("Say hello") { ["href"] = "/hello?name=world" }));
    }
}
