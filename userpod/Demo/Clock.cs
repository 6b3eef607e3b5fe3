using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// Server push: a timer changes the clock every second and calls UpdateAsync. Each tick re-renders the
/// whole card, input included: the browser morphs it in place, so what you type and the focus stay.
/// </summary>
[Description("server push from a timer")]
public sealed class Clock : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base + ".time{font-size:2rem;font-family:monospace}")];

    protected override void Init()
    {
        PageTitle = "Clock";
        var time = new Tag.Span(Now()) { Class = "time" };
        var note = new Tag.Input { ["placeholder"] = "type here while the clock ticks", Class = "note" };
        var card = new Tag.Div(time, new Tag.P(note)) { Class = "card" };
        Add(Styles.Back(), new Tag.H1("Clock"), card);
        var ended = Ended;
        _ = TickAsync(time, card, ended);
    }

    async Task TickAsync(Tag time, Tag card, CancellationToken ended)
    {
        var ticks = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ended).ConfigureAwait(false))
            {
                await UpdateAsync(() =>
                {
                    time.Text = Now();
                    card["data-tick"] = (++ticks).ToString(); // the card changes: its whole subtree is re-sent
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { /* the instance ended */ }
    }

    static string Now() => DateTime.Now.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
}
