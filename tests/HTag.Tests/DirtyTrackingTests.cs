using System.Text.Json;

namespace HTag.Tests;

public class DirtyTrackingTests
{
    sealed class Counter : Tag.Div
    {
        int _n;
        public Tag.Span Count = null!;
        public Tag.Button Inc = null!;
        protected override void Init()
        {
            Count = new Tag.Span("0");
            Inc = new Tag.Button("+1") { OnClick = _ => Count.Text = (++_n).ToString() };
            Add(new Tag.H1("Counter"), Count, Inc);
        }
    }

    static async Task<ServerMessage> Click(AppRuntime rt, Tag t, string ev = "click") =>
        await rt.InteractAsync(new ClientMessage { Id = t.Id, Ev = ev }, _ => Task.CompletedTask, CancellationToken.None);

    [Fact]
    public async Task One_change_sends_one_element()
    {
        var app = new Counter();
        var rt = new AppRuntime(app);
        await rt.RenderAsync(CancellationToken.None);
        var msg = await Click(rt, app.Inc);
        Assert.NotNull(msg.Update);
        var (id, html) = Assert.Single(msg.Update);
        Assert.Equal(app.Count.Id, id);
        Assert.Equal($"<span id=\"{app.Count.Id}\">1</span>", html);
        Assert.Null(msg.Err);
    }

    [Fact]
    public async Task Nothing_changed_sends_nothing()
    {
        var app = new Tag.Div(new Tag.Button("x") { OnClick = _ => { } });
        var rt = new AppRuntime(app);
        await rt.RenderAsync(CancellationToken.None);
        var msg = await Click(rt, (Tag)app.Children[0]);
        Assert.True(msg.IsEmpty);
    }

    [Fact]
    public async Task Parent_change_is_sent_once_not_its_descendants_separately()
    {
        var inner = new Tag.Span("a");
        var list = new Tag.Div(inner);
        var btn = new Tag.Button("x");
        btn.OnClick = _ => { inner.Text = "b"; list.Add(new Tag.Span("new")); };
        var app = new Tag.Div(list, btn);
        var rt = new AppRuntime(app);
        await rt.RenderAsync(CancellationToken.None);
        var msg = await Click(rt, btn);
        var (id, html) = Assert.Single(msg.Update!);
        Assert.Equal(list.Id, id);
        Assert.Contains(">b</span>", html);
        Assert.Contains(">new</span>", html);
    }

    [Fact]
    public async Task Setting_the_same_attribute_value_is_not_a_change()
    {
        var span = new Tag.Span { ["class"] = "x" };
        var btn = new Tag.Button("x") { OnClick = _ => span["class"] = "x" };
        var rt = new AppRuntime(new Tag.Div(span, btn));
        await rt.RenderAsync(CancellationToken.None);
        Assert.True((await Click(rt, btn)).IsEmpty);
    }

    [Fact]
    public async Task Unknown_tag_or_event_is_an_error_not_a_crash()
    {
        var app = new Counter();
        var rt = new AppRuntime(app);
        await rt.RenderAsync(CancellationToken.None);
        var m1 = await rt.InteractAsync(new ClientMessage { Id = "nope", Ev = "click" }, _ => Task.CompletedTask, CancellationToken.None);
        Assert.Contains("unknown tag", m1.Err);
        var m2 = await Click(rt, app.Count, "click");
        Assert.Contains("no 'click' handler", m2.Err);
        var m3 = await rt.InteractAsync(new ClientMessage(), _ => Task.CompletedTask, CancellationToken.None);
        Assert.NotNull(m3.Err);
    }

    [Fact]
    public async Task Handler_exception_is_reported_and_app_keeps_working()
    {
        var label = new Tag.Span("0");
        var bad = new Tag.Button("bad") { OnClick = _ => { label.Text = "half"; throw new InvalidOperationException("boom"); } };
        var good = new Tag.Button("good") { OnClick = _ => label.Text = "ok" };
        var rt = new AppRuntime(new Tag.Div(label, bad, good));
        (Tag, string, Exception)? seen = null;
        rt.OnHandlerError = (t, e, ex) => seen = (t, e, ex);
        await rt.RenderAsync(CancellationToken.None);
        var m = await Click(rt, bad);
        Assert.Contains("boom", m.Err);
        Assert.DoesNotContain(" at ", m.Err);
        Assert.Same(bad, seen!.Value.Item1);
        var m2 = await Click(rt, good);
        Assert.Null(m2.Err);
        Assert.Contains(">ok<", m2.Update![label.Id]);
    }

    [Fact]
    public async Task Event_data_reaches_the_handler()
    {
        Event? got = null;
        var input = new Tag.Input();
        input.On("keyup", e => got = e, "this.value");
        var rt = new AppRuntime(new Tag.Div(input));
        await rt.RenderAsync(CancellationToken.None);
        var data = JsonSerializer.Deserialize("{\"key\":\"Enter\",\"value\":\"hi\",\"clientX\":12.5,\"checked\":true}", WireJson.Default.DictionaryStringJsonElement)!;
        await rt.InteractAsync(new ClientMessage { Id = input.Id, Ev = "keyup", Data = data, Args = [JsonDocument.Parse("\"typed\"").RootElement] },
            _ => Task.CompletedTask, CancellationToken.None);
        Assert.NotNull(got);
        Assert.Equal("Enter", got.Key);
        Assert.Equal("hi", got.Value);
        Assert.Equal(12.5, got.ClientX);
        Assert.True(got.Checked);
        Assert.Equal("typed", Assert.Single(got.Args));
        Assert.Same(input, got.Target);
    }
}
