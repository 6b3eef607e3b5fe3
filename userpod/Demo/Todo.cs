using System.ComponentModel;
using System.Text.Json.Serialization;
using HTag;

namespace HTagKube.Demo;

/// <summary>A todo list kept in the app's State: it survives a new instance (e.g. after a new query) and, behind an
/// HTagKube router, the loss of the user's process.</summary>
[Description("a list kept in State, form submit, checkboxes")]
public sealed class Todo : Tag.Div
{
    internal sealed record Item(string Text, bool Done);

    Tag.Ul _list = null!;

    /// <summary>The list in State, changed in place (the session is written from the objects as they are after each
    /// interaction). Kept as JSON: <see cref="TodoJson"/> (registered in Program.cs) tells how.</summary>
    List<Item> Items
    {
        get
        {
            if (State.Get<List<Item>>("items") is { } items) return items;
            var fresh = new List<Item>();
            State["items"] = fresh;
            return fresh;
        }
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
            Items.Add(new Item(text, false));
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
                var all = Items;
                if (index < all.Count) all[index] = all[index] with { Done = e.Checked };
                Show();
            };
            var remove = new Tag.Button("✕") { Class = "remove", ["title"] = "remove" };
            remove.OnClick = _ =>
            {
                var all = Items;
                if (index < all.Count) all.RemoveAt(index);
                Show();
            };
            _list.Add(new Tag.Li(box, new Tag.Span(items[i].Text) { Class = items[i].Done ? "text done" : "text" }, remove));
        }
    }
}

/// <summary>How the session keeps <see cref="Todo"/>'s items as JSON, without reflection (NativeAOT).</summary>
[JsonSerializable(typeof(List<Todo.Item>))]
sealed partial class TodoJson : JsonSerializerContext;
