using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// Server methods called from the page's own JavaScript (htag's @expose): wwwroot/expose.js, loaded with the page's
/// nonce by Static.ScriptUrl, calls <c>htag.call("add", a, b)</c> and <c>htag.call("note", text)</c>; the second one
/// also changes the tag tree, which reaches the page like a handler's changes.
/// </summary>
[Description("server methods called from the page's JavaScript (htag.call)")]
public sealed class Expose : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base), Static.ScriptUrl("/expose.js")];

    protected override void Init()
    {
        PageTitle = "Expose";
        var notes = new Tag.Ul { Class = "notes" };
        Expose("add", args => args.Length == 2 && args[0].ValueKind == JsonValueKind.Number && args[1].ValueKind == JsonValueKind.Number
            ? args[0].GetDouble() + args[1].GetDouble()
            : throw new ArgumentException("add takes two numbers"));
        Expose("note", args =>
        {
            var text = args.Length == 1 && args[0].ValueKind == JsonValueKind.String ? args[0].GetString()!
                : throw new ArgumentException("note takes one string");
            notes.Add(new Tag.Li(text));
            return new JsonObject { ["count"] = notes.Children.Count };
        });
        Add(Styles.Back(), new Tag.H1("JavaScript calls the server"),
            new Tag.P(new Tag.Input { ["type"] = "number", ["value"] = "2", Class = "a" }, " + ",
                new Tag.Input { ["type"] = "number", ["value"] = "3", Class = "b" },
                new Tag.Button("= (htag.call)") { Class = "js-add" }, new Tag.Output { Class = "sum" }),
            new Tag.P(new Tag.Input { ["placeholder"] = "a note", Class = "note-text" },
                new Tag.Button("Add note (htag.call)") { Class = "js-note" },
                new Tag.Span("") { Class = "note-count" }),
            notes);
    }
}
