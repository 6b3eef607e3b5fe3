using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// Init under the interaction timeout: an Init that never returns gets an error page within the timeout (this app
/// maps with a 5 s one) while the user's other apps keep working; an Init that throws shows its stack trace with Debug.
/// </summary>
[Description("an Init that hangs or throws: an error page within the timeout")]
public sealed class Startup : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    void Init(string mode = "")
    {
        switch (mode)
        {
            case "hang":
                // Deliberately never returns: the page gets an error within the timeout; the watchdog then ends this
                // process and the router starts a fresh one on the next request.
                Thread.Sleep(Timeout.Infinite);
                break;
            case "throw":
                throw new InvalidOperationException("Init failed on purpose");
        }
        PageTitle = "Startup";
        Add(Styles.Back(), new Tag.H1("Init under the timeout"),
            new Tag.P("Init ran normally."),
            new Tag.Ul(
                new Tag.Li(new Tag.A("Init that never returns") { ["href"] = "/startup?mode=hang", Class = "hang" },
                    " — an error page within 5 s"),
                new Tag.Li(new Tag.A("Init that throws") { ["href"] = "/startup?mode=throw", Class = "throw" },
                    " — an error page (stack trace with HTAG_DEBUG=1)")));
    }
}
