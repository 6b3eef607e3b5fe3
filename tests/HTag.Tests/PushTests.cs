
namespace HTag.Tests;

public class PushTests
{
    [Fact]
    public async Task UpdateAsync_sends_only_what_changed_and_false_without_a_sink()
    {
        var span = new Tag.Span("a");
        var other = new Tag.Span("b");
        var rt = new AppRuntime(new Tag.Div(span, other));
        await rt.RenderAsync(CancellationToken.None);
        Assert.False(await span.UpdateAsync(() => span.Text = "x")); // no live connection (http-only)
        var sent = new List<ServerMessage>();
        rt.PushSink = m => { sent.Add(m); return Task.FromResult(true); };
        Assert.True(await span.UpdateAsync(() => span.Text = "y"));
        var (id, html) = Assert.Single(Assert.Single(sent).Update!);
        Assert.Equal(span.Id, id);
        Assert.Contains(">y<", html);
        Assert.True(await other.UpdateAsync()); // nothing changed: nothing sent
        Assert.Single(sent);
    }

    [Fact]
    public async Task UpdateAsync_change_waits_for_a_running_interaction()
    {
        var gate = new TaskCompletionSource();
        var span = new Tag.Span("0");
        var btn = new Tag.Button("b");
        var order = new List<string>();
        btn.On("click", async _ => { order.Add("handler start"); await gate.Task; order.Add("handler end"); });
        var rt = new AppRuntime(new Tag.Div(span, btn)) { PushSink = _ => Task.FromResult(true) };
        await rt.RenderAsync(CancellationToken.None);
        var interaction = rt.InteractAsync(new ClientMessage { Id = btn.Id, Ev = "click" }, _ => Task.CompletedTask, CancellationToken.None);
        var push = Task.Run(() => span.UpdateAsync(() => { lock (order) order.Add("change"); }));
        await Task.Delay(50);
        Assert.False(push.IsCompleted);
        gate.SetResult();
        await interaction;
        await push;
        Assert.Equal(["handler start", "handler end", "change"], order);
    }

    [Fact]
    public async Task Debug_mode_sends_the_stack_trace()
    {
        var btn = new Tag.Button("b") { OnClick = _ => throw new InvalidOperationException("oops") };
        var rt = new AppRuntime(new Tag.Div(btn)) { Debug = true };
        await rt.RenderAsync(CancellationToken.None);
        var m = await rt.InteractAsync(new ClientMessage { Id = btn.Id, Ev = "click" }, _ => Task.CompletedTask, CancellationToken.None);
        Assert.Contains("oops", m.Err);
        Assert.Contains(" at ", m.Err);
    }

    [Fact]
    public async Task Xss_in_a_client_sent_id_stays_text()
    {
        var rt = new AppRuntime(new Tag.Div());
        var m = await rt.InteractAsync(new ClientMessage { Id = "<img src=x onerror=alert(1)>", Ev = "click" }, _ => Task.CompletedTask, CancellationToken.None);
        Assert.Null(m.Update);
        Assert.Contains("unknown tag", m.Err); // an error string for console.error, never HTML
    }
}
