using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// Long handlers: an async one, a streaming one (each step reaches the browser), one that outlives the
/// interaction timeout (the instance is dropped), and a CPU-bound loop (the watchdog ends the process;
/// the router starts a fresh one on the next request).
/// </summary>
[Description("async and streaming handlers, the interaction timeout")]
public sealed class Slow : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        PageTitle = "Slow";
        var status = new Tag.Span("ready") { Class = "status" };
        var wait = new Tag.Button("Wait 2 s") { Class = "wait" };
        wait.On("click", async _ =>
        {
            await Task.Delay(2000).ConfigureAwait(false);
            status.Text = "waited 2 s";
        });
        var steps = new Tag.Button("Steps") { Class = "steps" };
        steps.On("click", e => Steps(status));
        var hang = new Tag.Button("Never returns") { Class = "hang" };
        hang.On("click", _ => Task.Delay(Timeout.Infinite));
        var burn = new Tag.Button("Burn CPU") { Class = "burn" };
        burn.OnClick = _ => Burn();
        Add(Styles.Back(), new Tag.H1("Slow handlers"), new Tag.P("Status: ", status), wait, steps, hang, burn,
            new Tag.P("\"Never returns\" and \"Burn CPU\" hit the interaction timeout (60 s by default)."));
    }

    static async IAsyncEnumerable<object?> Steps(Tag status)
    {
        for (var i = 1; i <= 5; i++)
        {
            status.Text = $"step {i}/5";
            yield return null;
            await Task.Delay(300).ConfigureAwait(false);
        }
        status.Text = "all steps done";
    }

    // Deliberately endless: shows that the userpod does not burn CPU forever (the watchdog exits it).
    static void Burn()
    {
        while (true) Thread.SpinWait(1000);
    }
}
