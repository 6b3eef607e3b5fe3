using HTag;

namespace HTagKube.Demo;

/// <summary>The classic: a number and a button that increments it.</summary>
public sealed class Counter : Tag.Div
{
    int _n;

    protected override void Init()
    {
        var count = new Tag.Span("0") { ["class"] = "count" };
        Add(new Tag.H1("Counter"), count,
            new Tag.Button("+1") { ["class"] = "inc", OnClick = _ => count.Text = (++_n).ToString() });
    }
}
