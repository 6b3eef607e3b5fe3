using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// Query parameters become Init arguments (<c>/hello?ann</c> or <c>/hello?name=ann</c>); a new query
/// builds a new instance. Typing updates the greeting on every input event (a browser-evaluated arg).
/// </summary>
[Description("query parameters as Init arguments, input events, page title, Exit")]
public sealed class Hello : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init() => Init("world");

    void Init(string name)
    {
        PageTitle = "Hello " + name;
        var greeting = new Tag.H1("Hello " + name) { Class = "greeting" };
        var input = new Tag.Input { ["value"] = name, ["name"] = "name", Class = "name" };
        // e.Value carries the input's value too; the browser-evaluated arg shows htag's bind(b"this.value").
        input.On("input", e => greeting.Text = "Hello " + (e.Args[0] ?? e.Value), "this.value");
        var bye = new Tag.Button("Exit") { Class = "exit" };
        bye.OnClick = _ => Exit();
        Add(Styles.Back(), greeting, new Tag.Label("Your name: ", input), bye,
            new Tag.P("Try ", new Tag.A("/hello?ann") { ["href"] = "/hello?ann" }, " or ",
                new Tag.A("/hello?name=bob") { ["href"] = "/hello?name=bob" }, "."));
    }
}
