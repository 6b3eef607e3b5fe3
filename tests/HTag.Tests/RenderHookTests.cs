
namespace HTag.Tests;

/// <summary>Tag.Render(): htag's render(self), run before every rendering; only what changed is sent.</summary>
public class RenderHookTests
{
    static async Task<ServerMessage> Click(AppRuntime rt, string id, string ev = "click") =>
        await rt.InteractAsync(new ClientMessage { Id = id, Ev = ev }, _ => Task.CompletedTask, CancellationToken.None);

    /// <summary>A list rebuilt from its state at every render, each item with its own handler.</summary>
    sealed class Items : Tag.Div
    {
        public readonly List<string> Names = ["a", "b"];
        public int Renders;
        public readonly List<string> Clicked = [];
        protected override void Render()
        {
            Renders++;
            Clear();
            foreach (var n in Names)
            {
                var name = n;
                Add(new Tag.Button(name) { OnClick = _ => Clicked.Add(name) });
            }
        }
    }

    sealed class App : Tag.Div
    {
        public Items List = null!;
        public Tag.Button AddOne = null!;
        public Tag.Button Noop = null!;
        public Tag.Span Other = null!;
        protected override void Init()
        {
            List = new Items();
            AddOne = new Tag.Button("add") { OnClick = _ => List.Names.Add("c") };
            Noop = new Tag.Button("noop") { OnClick = _ => { } };
            Other = new Tag.Span("x");
            Add(List, AddOne, Noop, Other);
        }
    }

    [Fact]
    public async Task Render_runs_before_the_first_page_and_each_interaction()
    {
        var app = new App();
        var rt = new AppRuntime(app);
        var page = await rt.RenderAsync(CancellationToken.None);
        Assert.Equal(1, app.List.Renders);
        Assert.Contains(">a</button>", page.Html);
        await Click(rt, app.Noop.Id);
        Assert.Equal(2, app.List.Renders);
    }

    [Fact]
    public async Task A_render_producing_the_same_html_sends_nothing()
    {
        var app = new App();
        var rt = new AppRuntime(app);
        await rt.RenderAsync(CancellationToken.None);
        var before = app.List.ToString();
        var msg = await Click(rt, app.Noop.Id);
        Assert.True(msg.IsEmpty, "an unchanged Render sends nothing");
        Assert.Equal(before, app.List.ToString()); // same ids: the rebuilt buttons took over the old ones'
    }

    [Fact]
    public async Task A_changed_render_sends_only_the_render_tag()
    {
        var app = new App();
        var rt = new AppRuntime(app);
        await rt.RenderAsync(CancellationToken.None);
        var msg = await Click(rt, app.AddOne.Id);
        var (id, html) = Assert.Single(msg.Update!);
        Assert.Equal(app.List.Id, id);
        Assert.Contains(">c</button>", html);
    }

    [Fact]
    public async Task Handlers_of_tags_built_in_render_keep_working_across_renders()
    {
        var app = new App();
        var rt = new AppRuntime(app);
        var page = await rt.RenderAsync(CancellationToken.None);
        var idOfB = System.Text.RegularExpressions.Regex.Match(page.Html, "<button id=\"(h[0-9a-f]+)\"[^>]*>b</button>").Groups[1].Value;
        await Click(rt, app.Noop.Id);       // re-renders: new button objects
        await Click(rt, app.AddOne.Id);     // and again, with a third item
        var msg = await Click(rt, idOfB);   // the id the browser had from the first page
        Assert.Null(msg.Err);
        Assert.Equal(["b"], app.List.Clicked);
    }

    [Fact]
    public async Task An_id_the_app_no_longer_has_resyncs_the_page()
    {
        var app = new App();
        var rt = new AppRuntime(app);
        await rt.RenderAsync(CancellationToken.None);
        var msg = await Click(rt, "h-gone");
        Assert.Equal(rt.InstanceId, msg.Instance);
        Assert.Contains(">a</button>", msg.Root);
        Assert.Contains("unknown tag", msg.Err);
    }

    /// <summary>htagweb's example: children kept as fields, their content refreshed in Render.</summary>
    sealed class Live : Tag.Div
    {
        readonly Tag.Pre _pre = new();
        public string Value2 = "1";
        protected override void Init() => Add(new Tag.H3("Live"), _pre);
        protected override void Render() => _pre.Text = Value2;
    }

    [Fact]
    public async Task Render_refreshing_kept_children_sends_them_when_they_change()
    {
        var live = new Live();
        var btn = new Tag.Button("b");
        btn.OnClick = _ => live.Value2 = "2";
        var rt = new AppRuntime(new Tag.Div(live, btn));
        await rt.RenderAsync(CancellationToken.None);
        Assert.True((await Click(rt, btn.Id)) is { Update: { Count: 1 } u } && u.Values.Single().Contains(">2</pre>"));
        Assert.True((await Click(rt, btn.Id)).IsEmpty);
    }

    sealed class Broken : Tag.Div
    {
        public bool Fail;
        protected override void Render()
        {
            if (Fail) throw new InvalidOperationException("render broke");
            Text = "ok";
        }
    }

    [Fact]
    public async Task A_render_exception_is_reported_like_a_handler_error_and_the_rest_is_sent()
    {
        var broken = new Broken();
        var span = new Tag.Span("1");
        var btn = new Tag.Button("b");
        btn.OnClick = _ => { broken.Fail = true; span.Text = "2"; };
        var rt = new AppRuntime(new Tag.Div(broken, span, btn));
        var reported = new List<string>();
        rt.OnHandlerError = (t, what, e) => reported.Add(what + ":" + e.Message);
        await rt.RenderAsync(CancellationToken.None);
        var msg = await Click(rt, btn.Id);
        Assert.Contains("render", msg.Err);
        Assert.Contains("render broke", msg.Err);
        Assert.Contains(span.Id, msg.Update!.Keys);
        Assert.Equal(["render:render broke"], reported);
    }

    [Fact]
    public async Task Render_runs_before_a_push()
    {
        var live = new Live();
        var rt = new AppRuntime(new Tag.Div(live));
        var pushed = new List<ServerMessage>();
        rt.PushSink = m => { pushed.Add(m); return Task.FromResult(true); };
        await rt.RenderAsync(CancellationToken.None);
        Assert.True(await live.UpdateAsync(() => live.Value2 = "pushed"));
        Assert.Contains(">pushed</pre>", Assert.Single(pushed).Update!.Values.Single());
    }

    [Fact]
    public void A_tag_without_render_is_untouched_and_ToString_runs_render()
    {
        var live = new Live { Value2 = "x" };
        Assert.Contains("<pre id=", live.ToString());
        Assert.Contains(">x</pre>", live.ToString());
    }

    [Fact]
    public async Task ToString_in_a_handler_does_not_hide_the_change_from_the_browser()
    {
        var live = new Live();
        var btn = new Tag.Button("b");
        btn.OnClick = _ => { live.Value2 = "2"; Assert.Contains(">2</pre>", live.ToString()); };
        var rt = new AppRuntime(new Tag.Div(live, btn));
        await rt.RenderAsync(CancellationToken.None);
        Assert.Contains(">2</pre>", Assert.Single((await Click(rt, btn.Id)).Update!).Value);
    }
}
