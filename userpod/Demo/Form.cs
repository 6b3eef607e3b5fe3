using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>A form: submit sends every field; validation errors come back; Call(js) focuses a field.</summary>
[Description("form fields, validation, Call(js)")]
public sealed class Form : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base + "label{display:block}")];

    protected override void Init()
    {
        PageTitle = "Form";
        var name = new Tag.Input { ["name"] = "name", Class = "name" };
        var email = new Tag.Input { ["name"] = "email", ["type"] = "email", Class = "email" };
        var color = new Tag.Select(new Tag.Option("red") { Value = "red" }, new Tag.Option("green") { Value = "green" },
            new Tag.Option("blue") { Value = "blue" }) { ["name"] = "color", Class = "color" };
        var agree = new Tag.Input { ["type"] = "checkbox", ["name"] = "agree", ["value"] = "yes", Class = "agree" };
        var result = new Tag.Div { Class = "result" };
        var form = new Tag.Form(
            new Tag.Label("Name ", name), new Tag.Label("Email ", email), new Tag.Label("Colour ", color),
            new Tag.Label(agree, " I agree"), new Tag.Button("Send") { ["type"] = "submit", Class = "send" });
        form.OnSubmit = e =>
        {
            result.Clear();
            if (string.IsNullOrWhiteSpace(e["name"]))
            {
                result.Add(new Tag.P("Name is required") { Class = "error" });
                form.Call("document.querySelector('input.name').focus()");
                return;
            }
            result.Add(new Tag.P($"Thanks {e["name"]} <{e["email"]}>, you like {e["color"]}" +
                                 (e["agree"] == "yes" ? " and you agree." : ".")) { Class = "thanks" });
        };
        Add(Styles.Back(), new Tag.H1("Form"), form, result);
    }
}
