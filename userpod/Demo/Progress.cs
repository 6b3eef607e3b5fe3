using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>A background job feeds a progress bar through server push; the click itself returns at once.</summary>
[Description("a progress bar fed by a background job")]
public sealed class Progress : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base + "progress{width:20rem}")];

    protected override void Init()
    {
        PageTitle = "Progress";
        var bar = new Tag.Progress { ["max"] = "100", ["value"] = "0" };
        var status = new Tag.Span("idle") { Class = "status" };
        var start = new Tag.Button("Start") { Class = "start" };
        start.OnClick = e =>
        {
            start.Disabled = true;
            status.Text = "running";
            _ = JobAsync(bar, status, start, Ended);
        };
        Add(Styles.Back(), new Tag.H1("Progress"), bar, " ", status, new Tag.P(start));
    }

    async Task JobAsync(Tag bar, Tag status, Tag start, CancellationToken ended)
    {
        try
        {
            await Task.Yield();
            for (var p = 10; p <= 100; p += 10)
            {
                await Task.Delay(150, ended).ConfigureAwait(false);
                await UpdateAsync(() =>
                {
                    bar["value"] = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    status.Text = p + "%";
                }).ConfigureAwait(false);
            }
            await UpdateAsync(() =>
            {
                status.Text = "done";
                start.Disabled = false;
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { /* the instance ended */ }
    }
}
