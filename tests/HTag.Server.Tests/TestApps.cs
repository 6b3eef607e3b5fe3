using HTag;

namespace HTag.Server.Tests;

public sealed class CounterApp : Tag.Div
{
    int _n;
    protected override void Init()
    {
        var count = new Tag.Span("0") { ["class"] = "count" };
        Add(new Tag.H1("Counter"), count,
            new Tag.Button("+1") { ["class"] = "inc", OnClick = _ => count.Text = (++_n).ToString() });
    }
}

/// <summary>A button that starts a background job pushing three updates; records what UpdateAsync returned.</summary>
public sealed class PushApp : Tag.Div
{
    public static readonly System.Collections.Concurrent.ConcurrentQueue<bool> Results = new();

    protected override void Init()
    {
        var status = new Tag.Span("idle") { ["class"] = "status" };
        var start = new Tag.Button("start") { ["class"] = "start" };
        start.OnClick = e =>
        {
            _ = Task.Run(async () =>
            {
                for (var i = 1; i <= 3; i++)
                {
                    await Task.Delay(20);
                    status.Text = "push" + i;
                    Results.Enqueue(await UpdateAsync());
                }
            });
        };
        Add(status, start);
    }
}

/// <summary>Handlers that outlive any timeout: one async, one CPU-bound until <see cref="Release"/>.</summary>
public sealed class HangApp : Tag.Div
{
    public static volatile bool Release;

    protected override void Init()
    {
        var hang = new Tag.Button("hang") { ["class"] = "hang" };
        hang.On("click", _ => Task.Delay(Timeout.Infinite));
        var burn = new Tag.Button("burn") { ["class"] = "burn" };
        burn.OnClick = _ => { while (!Release) Thread.SpinWait(100); };
        var quick = new Tag.Button("quick") { ["class"] = "quick" };
        var count = new Tag.Span("0") { ["class"] = "count" };
        quick.On("click", async _ => { await Task.Delay(10); count.Text = "1"; });
        var fail = new Tag.Button("fail") { ["class"] = "fail" };
        fail.OnClick = _ => throw new InvalidOperationException("handler blew up");
        Add(count, hang, burn, quick, fail);
    }
}
