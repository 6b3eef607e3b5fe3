using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// Fragments (htag's <c>Tag(None)</c>): a component with no element of its own. Here each row of a definition list is
/// a <c>Tag.Fragment</c> component (a dt and a dd, with no wrapper the HTML would not allow), updated in place.
/// </summary>
[Description("components with no element of their own (htag's Tag(None))")]
public sealed class FragmentDemo : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        PageTitle = "Fragments";
        var clicks = new Entry("clicks", "0");
        var last = new Entry("last", "never");
        var n = 0;
        var more = new Tag.Fragment();
        var click = new Tag.Button("Click") { Class = "click" };
        click.OnClick = _ =>
        {
            n++;
            clicks.Set(n.ToString());
            last.Set(DateTime.Now.ToString("T"));
            if (n % 3 == 0) more.Add(new Entry("every third", $"click {n}"));
        };
        Add(Styles.Back(), new Tag.H1("Fragments"), click, new Tag.Dl(clicks, last, more) { Class = "entries" });
    }

    /// <summary>A dt/dd pair: two elements side by side, no wrapper.</summary>
    sealed class Entry(string term, string value) : Tag.Fragment
    {
        readonly Tag.Dd _value = new(value);

        protected override void Init() => Add(new Tag.Dt(term), _value);

        public void Set(string value) => _value.Text = value;
    }
}
