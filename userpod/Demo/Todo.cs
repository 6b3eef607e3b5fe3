using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>A todo list kept in the app's State: it survives a new instance (e.g. after a new query).</summary>
[Description("a list kept in State, form submit, checkboxes")]
public sealed class Todo : Tag.Div
{
    sealed record Item(string Text, bool Done);

    Tag.Ul _list = null!;

    List<Item> Items
    {
        get => State.TryGetValue("items", out var v) && v is List<Item> l ? l : [];
        set => State["items"] = value;
    }

    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        PageTitle = "Todo";
        var input = new Tag.Input { ["name"] = "text", ["placeholder"] = "What needs doing?", ["autocomplete"] = "off", Class = "new" };
        var form = new Tag.Form(input, new Tag.Button("Add") { ["type"] = "submit", Class = "add" });
        form.OnSubmit = e =>
        {
            var text = (e["text"] ?? "").Trim();
            if (text.Length == 0) return;
            Items = [.. Items, new Item(text, false)];
            // The input keeps what the user typed while focused; clear it in the browser.
            form.Call("document.querySelector('input.new').value=''");
            Show();
        };
        _list = new Tag.Ul { Class = "todos" };
        Add(Styles.Back(), new Tag.H1("Todo"), form, _list);
        Show();
    }

    void Show()
    {
        _list.Clear();
        var items = Items;
        for (var i = 0; i < items.Count; i++)
        {
            var index = i;
            var box = new Tag.Input { ["type"] = "checkbox", Class = "toggle" }.SetFlag("checked", items[i].Done);
            box.OnChange = e =>
            {
                Items = Items.Select((it, j) => j == index ? it with { Done = e.Checked } : it).ToList();
                Show();
            };
            var remove = new Tag.Button("✕") { Class = "remove", ["title"] = "remove" };
            remove.OnClick = _ =>
            {
                Items = Items.Where((_, j) => j != index).ToList();
                Show();
            };
            _list.Add(new Tag.Li(box, new Tag.Span(items[i].Text) { Class = items[i].Done ? "text done" : "text" }, remove));
        }
    }
}
