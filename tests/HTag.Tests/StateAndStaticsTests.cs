
namespace HTag.Tests;

public class StateAndStaticsTests
{
    sealed class AppA : Tag.Div;
    sealed class AppB : Tag.Div;

    sealed class Widget : Tag.Span;

    [Fact]
    public void Session_is_shared_by_apps_and_state_is_per_tag_class()
    {
        var store = new SessionStore();
        var a = new AppRuntime(new AppA()) { Session = store };
        var b = new AppRuntime(new AppB()) { Session = store };
        var a2 = new AppRuntime(new AppA()) { Session = store }; // a re-created instance of AppA
        a.Root.Session["user"] = "ann";
        a.Root.State["n"] = 1;
        b.Root.State["n"] = 2;
        Assert.Equal("ann", b.Root.Session["user"]);
        Assert.Equal(1, a2.Root.State["n"]);
        Assert.Equal(2, b.Root.State["n"]);
        // A component has its own class's slice (htag's tag.state): no clash with the app's keys, shared by its instances.
        var w1 = new Widget();
        var w2 = new Widget();
        a.Root.Add(w1);
        b.Root.Add(w2);
        Assert.False(w1.State.ContainsKey("n"));
        w1.State["n"] = 3;
        Assert.Equal(3, w2.State["n"]);
        Assert.Equal(1, a.Root.State["n"]);
    }

    sealed class Fancy : Tag.Div
    {
        protected override IEnumerable<Static> Statics => [Static.Css(".fancy{color:red}"), Static.Script("window.fancy=1;")];
    }

    [Fact]
    public async Task Statics_are_gathered_once_and_late_ones_injected()
    {
        var btn = new Tag.Button("add");
        var root = new Tag.Div(new Fancy(), new Fancy(), btn);
        btn.OnClick = _ => root.Add(new Fancy(), new Late());
        var rt = new AppRuntime(root);
        var page = await rt.RenderAsync(CancellationToken.None);
        Assert.Equal(2, page.Statics.Count);
        var msg = await rt.InteractAsync(new ClientMessage { Id = btn.Id, Ev = "click" }, _ => Task.CompletedTask, CancellationToken.None);
        var js = Assert.Single(msg.Js!);
        Assert.StartsWith("htag.css(", js);
        Assert.Contains(".late{}", js);
    }

    sealed class Late : Tag.Div
    {
        protected override IEnumerable<Static> Statics => [Static.Css(".late{}")];
    }

    [Fact]
    public async Task Js_runs_after_render_bound_to_the_element_and_Call_queues_scripts()
    {
        var span = new Tag.Span("x") { Js = "this.dataset.ok='1'" };
        var btn = new Tag.Button("b");
        btn.OnClick = _ => { span.Text = "y"; btn.Call("console.log('hi')"); btn.PageTitle = "New"; };
        var rt = new AppRuntime(new Tag.Div(span, btn));
        var page = await rt.RenderAsync(CancellationToken.None);
        Assert.Contains($"this.dataset.ok='1'", Assert.Single(page.Js));
        Assert.Contains($"getElementById(\"{span.Id}\")", page.Js[0]);
        var msg = await rt.InteractAsync(new ClientMessage { Id = btn.Id, Ev = "click" }, _ => Task.CompletedTask, CancellationToken.None);
        Assert.Equal(2, msg.Js!.Count);
        Assert.Contains("dataset.ok", msg.Js[0]);
        Assert.Equal($"(function(){{console.log('hi')\n}}).call(document.getElementById(\"{btn.Id}\"));", msg.Js[1]); // this = the button
        Assert.Equal("New", msg.Title);
    }

    [Fact]
    public async Task Exit_marks_the_runtime_exited()
    {
        var btn = new Tag.Button("quit");
        btn.OnClick = _ => btn.Exit();
        var rt = new AppRuntime(new Tag.Div(btn));
        await rt.RenderAsync(CancellationToken.None);
        await rt.InteractAsync(new ClientMessage { Id = btn.Id, Ev = "click" }, _ => Task.CompletedTask, CancellationToken.None);
        Assert.True(rt.Exited);
    }

    [Fact]
    public async Task Async_and_streaming_handlers()
    {
        var span = new Tag.Span("0");
        var a = new Tag.Button("a");
        a.On("click", async _ => { await Task.Yield(); span.Text = "async"; });
        var s = new Tag.Button("s");
        s.On("click", Steps);
        async IAsyncEnumerable<object?> Steps(Event e)
        {
            for (var i = 1; i <= 3; i++)
            {
                await Task.Yield();
                span.Text = "step" + i;
                yield return null;
            }
        }
        var rt = new AppRuntime(new Tag.Div(span, a, s));
        await rt.RenderAsync(CancellationToken.None);
        var m = await rt.InteractAsync(new ClientMessage { Id = a.Id, Ev = "click" }, _ => Task.CompletedTask, CancellationToken.None);
        Assert.Contains(">async<", m.Update![span.Id]);
        var partials = new List<ServerMessage>();
        var final = await rt.InteractAsync(new ClientMessage { Id = s.Id, Ev = "click" }, p => { partials.Add(p); return Task.CompletedTask; }, CancellationToken.None);
        Assert.Equal(["step1", "step2", "step3"], partials.Select(p => p.Update![span.Id]).Select(h => h.Split('>')[1].Split('<')[0]));
        Assert.True(final.IsEmpty);
    }

    [Fact]
    public void Async_lambda_as_OnClick_is_refused_with_a_hint()
    {
        var b = new Tag.Button("x");
        var e = Assert.Throws<ArgumentException>(() => b.OnClick = async _ => await Task.Yield());
        Assert.Contains("On(", e.Message);
    }

    [Fact]
    public void Browser_args_must_be_property_paths()
    {
        var b = new Tag.Input();
        Assert.Throws<ArgumentException>(() => b.On("keyup", _ => { }, "alert(1)"));
        Assert.Throws<ArgumentException>(() => b.On("keyup", _ => { }, "document.cookie"));
        b.On("keyup", _ => { }, "this.value", "event.key", "window.innerWidth");
    }

    [Fact]
    public void Class_helpers_and_flags()
    {
        var d = new Tag.Div();
        d.AddClass("a").AddClass("b").AddClass("a");
        Assert.Equal("a b", d.Class);
        d.RemoveClass("a");
        Assert.Equal("b", d.Class);
        d.Disabled = true;
        Assert.Contains(" disabled>", d.ToString());
        d.Disabled = false;
        Assert.DoesNotContain("disabled", d.ToString());
        d.Style = "color:red";
        Assert.Contains("style=\"color:red\"", d.ToString());
    }

    [Fact]
    public void Every_standard_element_exists()
    {
        Assert.Equal("textarea", new Tag.Textarea().TagName);
        Assert.Equal("style", new Tag.StyleElement().TagName);
        var count = typeof(Tag).GetNestedTypes().Count(t => t.IsSubclassOf(typeof(Tag)));
        Assert.True(count >= 110, $"only {count} elements");
    }
}
