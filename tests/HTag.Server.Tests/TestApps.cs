using HTag;

namespace HTag.Server.Tests;

public sealed class CounterApp : Tag.Div
{
    int _n;
    protected override void Init()
    {
        var count = new Tag.Span("0") { ["class"] = "count" };
        Add(new Tag.H1("Counter"), count,
            new Tag.Button("+1") { ["class"] = "inc", OnClick = _ => count.Text = (++_n).ToString() });
    }
}
