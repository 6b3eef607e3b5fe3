using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>The classic: a number and a button that increments it. The count is kept in State, so a returning user
/// sees theirs again, even after their process was lost (behind an HTagKube router, which keeps the session).</summary>
[Description("a click handler changing one element")]
public sealed class Counter : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        var count = new Tag.Span(State.Get<int>("n").ToString()) { Class = "count" };
        Add(Styles.Back(), new Tag.H1("Counter"), count, new Tag.Button("+1")
        {
            Class = "inc",
            OnClick = _ =>
            {
                var n = State.Get<int>("n") + 1;
                State["n"] = n;
                count.Text = n.ToString();
            },
        });
    }
}
