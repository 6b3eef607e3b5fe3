using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// htag's render(): a component rebuilds its content from its fields before every rendering; the framework sends only
/// what changed (the "nothing" button changes nothing, so nothing is sent), and the buttons built in Render keep their
/// handlers across renders.
/// </summary>
[Description("htag's render(): content rebuilt from state before each rendering, only changes sent")]
public sealed class RenderDemo : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        PageTitle = "Render";
        var basket = new Basket();
        var fruit = new Tag.Input { ["placeholder"] = "a fruit", Class = "fruit", ["autocomplete"] = "off" };
        var add = new Tag.Button("Add") { Class = "add" };
        add.On("click", e => { if (e.Args[0] is { Length: > 0 } f) basket.Fruits.Add(f); }, "this.previousElementSibling.value");
        var nothing = new Tag.Button("Change nothing") { Class = "nothing" };
        nothing.OnClick = _ => { };
        Add(Styles.Back(), new Tag.H1("Render"), new Tag.P(fruit, add, nothing), basket,
            new Tag.P("The list below is rebuilt by Basket.Render() before every rendering of the page."));
    }

    /// <summary>Rebuilt from <see cref="Fruits"/> in Render: no handler has to patch the list.</summary>
    sealed class Basket : Tag.Div
    {
        public readonly List<string> Fruits = ["apple", "pear"];

        protected override void Render()
        {
            Clear();
            var list = new Tag.Ul { Class = "basket" };
            for (var i = 0; i < Fruits.Count; i++)
            {
                var index = i;
                var remove = new Tag.Button("✕") { Class = "remove", ["title"] = "remove " + Fruits[i] };
                remove.OnClick = _ => Fruits.RemoveAt(index);
                list.Add(new Tag.Li(new Tag.Span(Fruits[i]) { Class = "name" }, remove));
            }
            Add(new Tag.P($"{Fruits.Count} fruit(s)") { Class = "count" }, list);
        }
    }
}
