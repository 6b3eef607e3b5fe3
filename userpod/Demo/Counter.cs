using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>The classic: a number and a button that increments it.</summary>
[Description("a click handler changing one element")]
public sealed class Counter : Tag.Div
{
    int _n;

    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        var count = new Tag.Span("0") { Class = "count" };
        Add(Styles.Back(), new Tag.H1("Counter"), count,
            new Tag.Button("+1") { Class = "inc", OnClick = _ => count.Text = (++_n).ToString() });
    }
}
