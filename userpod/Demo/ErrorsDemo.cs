using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// Errors the user sees: the page defines <c>window.error</c> (as htagweb's example does with <c>alert</c>), which htag.js
/// calls with each error; with <c>HTAG_DEBUG=1</c> an overlay also shows them with the stack trace.
/// </summary>
[Description("window.error and the HTAG_DEBUG overlay for handler, render and Init errors")]
public sealed class ErrorsDemo : Tag.Div
{
    // Shows the error in the page (a banner the script owns, outside the app's elements) instead of alert().
    const string Hook = """
        window.error = function (text) {
          let b = document.getElementById("error-banner");
          if (!b) { b = document.createElement("p"); b.id = "error-banner"; b.className = "error"; document.body.prepend(b); }
          b.textContent = text;
        };
        """;

    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base), Static.Script(Hook)];

    protected override void Init()
    {
        PageTitle = "Errors";
        var broken = new Fragile();
        var handler = new Tag.Button("Throw in a handler") { Class = "throw" };
        handler.OnClick = _ => throw new InvalidOperationException("the handler failed");
        var render = new Tag.Button("Throw in a Render") { Class = "render" };
        render.OnClick = _ => broken.Fail = true;
        var init = new Tag.Button("Add a component whose Init throws") { Class = "init" };
        init.OnClick = _ => Add(new BadInit());
        Add(Styles.Back(), new Tag.H1("Errors"), handler, render, init, broken);
    }

    sealed class Fragile : Tag.Div
    {
        public bool Fail;

        protected override void Render()
        {
            if (Fail)
            {
                Fail = false;
                throw new InvalidOperationException("the render failed");
            }
            Text = "rendered fine";
        }
    }

    sealed class BadInit : Tag.Div
    {
        protected override void Init() => throw new InvalidOperationException("the component's Init failed");
    }
}
