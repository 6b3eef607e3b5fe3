
namespace HTag.Tests;

public class FragmentAndGeneratorTests
{
    static async Task<ServerMessage> Click(AppRuntime rt, Tag t, List<ServerMessage>? partials = null) =>
        await rt.InteractAsync(new ClientMessage { Id = t.Id, Ev = "click" }, m => { partials?.Add(m); return Task.CompletedTask; }, CancellationToken.None);

    [Fact]
    public void A_fragment_renders_only_its_children()
    {
        var f = new Tag.Fragment("a", new Tag.B("b"));
        var div = new Tag.Div(f);
        var b = (Tag)f.Children[1];
        Assert.Equal($"<div id=\"{div.Id}\">a<b id=\"{b.Id}\">b</b></div>", div.ToString());
        Assert.True(f.IsFragment);
    }

    [Fact]
    public async Task A_changed_fragment_resends_the_element_holding_it()
    {
        var f = new Tag.Fragment("one");
        var holder = new Tag.Section(f);
        var btn = new Tag.Button("b");
        btn.OnClick = _ => f.Add(" two");
        var rt = new AppRuntime(new Tag.Div(holder, btn));
        await rt.RenderAsync(CancellationToken.None);
        var msg = await Click(rt, btn);
        var (id, html) = Assert.Single(msg.Update!);
        Assert.Equal(holder.Id, id);
        Assert.Equal($"<section id=\"{holder.Id}\">one two</section>", html);
    }

    [Fact]
    public async Task A_change_inside_a_fragment_child_element_sends_only_that_element()
    {
        var span = new Tag.Span("1");
        var holder = new Tag.Section(new Tag.Fragment(new Tag.Fragment(span)));
        var btn = new Tag.Button("b");
        btn.OnClick = _ => span.Text = "2";
        var rt = new AppRuntime(new Tag.Div(holder, btn));
        await rt.RenderAsync(CancellationToken.None);
        var (id, _) = Assert.Single((await Click(rt, btn)).Update!);
        Assert.Equal(span.Id, id);
    }

    sealed class Pair : Tag.Fragment
    {
        protected override void Init() => Add(new Tag.Dt("term"), new Tag.Dd("def"));
    }

    [Fact]
    public void A_component_derived_from_fragment_needs_no_wrapper_and_refuses_element_features()
    {
        var pair = new Pair();
        var dl = new Tag.Dl(pair);
        Assert.Matches("^<dl id=\"h[0-9a-f]+\"><dt id=\"h[0-9a-f]+\">term</dt><dd id=\"h[0-9a-f]+\">def</dd></dl>$", dl.ToString());
        Assert.Throws<InvalidOperationException>(() => pair["class"] = "x");
        Assert.Throws<InvalidOperationException>(() => pair.OnClick = _ => { });
        Assert.Throws<InvalidOperationException>(() => pair.Js = "1");
        Assert.Throws<ArgumentException>(() => new AppRuntime(new Pair()));
    }

    [Fact]
    public async Task Async_generator_yields_are_appended_to_the_handlers_tag_and_streamed()
    {
        var box = new Tag.Div();
        box.On("click", Steps);
        var rt = new AppRuntime(new Tag.Div(box));
        await rt.RenderAsync(CancellationToken.None);
        var partials = new List<ServerMessage>();
        var final = await Click(rt, box, partials);
        Assert.Equal(3, partials.Count); // one per yield
        Assert.Contains(">1</div>", partials[0].Update![box.Id]);
        Assert.Contains("<i id=", partials[1].Update![box.Id]);
        Assert.True(final.IsEmpty);
        Assert.Equal("12three", box.Text);

        static async IAsyncEnumerable<object?> Steps(Event e)
        {
            yield return "1";
            await Task.Yield();
            yield return new Tag.I("2");
            yield return new object?[] { "th", null, "ree" }; // a list: each item appended
        }
    }

    [Fact]
    public async Task Sync_generator_handlers_work_and_a_null_yield_only_sends()
    {
        var box = new Tag.Div();
        var n = 0;
        box.On("click", e => Count());
        var rt = new AppRuntime(new Tag.Div(box));
        await rt.RenderAsync(CancellationToken.None);
        var partials = new List<ServerMessage>();
        await Click(rt, box, partials);
        Assert.Single(partials); // the "x"; the null yield found nothing new to send
        Assert.Equal("x", box.Text);
        Assert.Equal(2, n);

        IEnumerable<object?> Count()
        {
            n++;
            yield return "x";
            n++;
            yield return null;
        }
    }

    [Fact]
    public void Toggle_class_and_per_property_style()
    {
        var t = new Tag.Div { Class = "a" };
        t.ToggleClass("b");
        Assert.Equal("a b", t.Class);
        t.ToggleClass("a");
        Assert.Equal("b", t.Class);
        t.ToggleClass("b", on: true);
        Assert.Equal("b", t.Class);
        t.ToggleClass("b", on: false);
        Assert.Null(t.Class);

        t.Style = "color: red; margin:0";
        t.SetStyle("color", "blue").SetStyle("Background-Color", "#fff");
        Assert.Equal("color:blue;margin:0;background-color:#fff", t.Style);
        Assert.Equal("#fff", t.GetStyle("background-color"));
        t.SetStyle("color", null).SetStyle("margin", null).SetStyle("background-color", null);
        Assert.Null(t.Style);
        Assert.Throws<ArgumentException>(() => t.SetStyle("color", "red;position:fixed"));
    }
}
