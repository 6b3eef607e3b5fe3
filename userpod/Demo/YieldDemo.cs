using System.ComponentModel;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// Generator handlers (htag's rule): what a handler yields is appended to its tag and reaches the browser at once. An
/// async one yields tags as they come; a synchronous one yields text.
/// </summary>
[Description("generator handlers: yielded tags and text appended and streamed")]
public sealed class YieldDemo : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        PageTitle = "Yield";
        // The click on the button bubbles to the feed, whose handler it is: what it yields is appended to the feed.
        var feed = new Tag.Div(new Tag.Button("Fetch 3 items (async)") { Class = "fetch" }) { Class = "feed" };
        feed.On("click", Items);
        var letters = new Tag.Div("letters: ") { Class = "letters" };
        letters.On("click", Letters);
        Add(Styles.Back(), new Tag.H1("Yield"), feed, new Tag.P("Click the line below (a synchronous generator):"), letters);
    }

    static async IAsyncEnumerable<object?> Items(Event e)
    {
        for (var i = 1; i <= 3; i++)
        {
            await Task.Delay(300).ConfigureAwait(false);
            yield return new Tag.P($"item {i}") { Class = "item" };
        }
    }

    static IEnumerable<object?> Letters(Event e)
    {
        foreach (var c in "abc") yield return c.ToString();
        yield return new Tag.B(" done") { Class = "done" };
    }
}
