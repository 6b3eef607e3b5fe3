using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// The smaller Tag API: per-component State (each component class has its own slice of the session), Call(js) with
/// <c>this</c> bound to the tag's element, ToggleClass, one style property at a time, and <c>htagoff</c> (the class
/// htag.js adds to the body while offline, beside <c>htag-offline</c>).
/// </summary>
[Description("per-component State, Call(js) with this, ToggleClass, SetStyle, htagoff")]
public sealed class Components : Tag.Div
{
    protected override IEnumerable<Static> Statics =>
        [Static.Css(Styles.Base + ".on{background:#ffd}body.htagoff::before{content:'offline';color:#b00}")];

    protected override void Init()
    {
        PageTitle = "Components";
        var box = new Tag.Div("a box") { Class = "box" };
        var toggle = new Tag.Button("ToggleClass(\"on\")") { Class = "toggle", OnClick = _ => box.ToggleClass("on") };
        var wider = new Tag.Button("SetStyle(\"padding\")") { Class = "pad" };
        var pad = 0;
        wider.OnClick = _ => box.SetStyle("padding", $"{pad += 4}px");
        var focus = new Tag.Button("Call(js), this = me") { Class = "call" };
        focus.OnClick = _ => focus.Call("this.textContent = 'this is ' + this.tagName");
        Add(Styles.Back(), new Tag.H1("Components"), new Tally("apples"), new Tally("apples"), new Other(),
            new Tag.P(toggle, wider, focus), box);
    }

    /// <summary>Two tallies share their class's State: both count the same "n".</summary>
    sealed class Tally(string what) : Tag.P
    {
        protected override void Init()
        {
            var shown = new Tag.Span(Count.ToString()) { Class = "tally" };
            Add(what + ": ", shown, new Tag.Button("+1")
            {
                Class = "tally-inc",
                OnClick = _ => { State["n"] = Count + 1; shown.Text = Count.ToString(); },
            });
        }

        int Count => State.Get<int>("n");
    }

    /// <summary>Another class: its "n" is its own.</summary>
    sealed class Other : Tag.P
    {
        protected override void Init() =>
            Add("other component's n: ", new Tag.Span(State.TryGetValue("n", out var v) ? $"{v}" : "unset") { Class = "other-n" });
    }
}
