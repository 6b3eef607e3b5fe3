using System.ComponentModel;
using HTag;

namespace MyApps;

/// <summary>The query becomes Init's arguments (<c>/hello?name=ann</c>); the greeting follows what is typed.</summary>
[Description("a greeting from the query (/hello?name=ann) that follows what is typed")]
public sealed class Hello : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.StyleSheet("/app.css")];

    protected override void Init() => Init("world");

    void Init(string name)
    {
        PageTitle = "MyApps: hello";
        var greeting = new Tag.H1("Hello " + name);
        var input = new Tag.Input { ["value"] = name, ["name"] = "name" };
        input.OnInput = e => greeting.Text = "Hello " + e.Value;
        Add(greeting, new Tag.Label("Your name: ", input), new Tag.P(new Tag.A("Back to the counter") { ["href"] = "/" }));
    }
}
