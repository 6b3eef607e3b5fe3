namespace HTag.Hosting;

/// <summary>
/// <c>HTAG_LIFELINE=stdin</c> (set by the local-mode router): stdin is a pipe the router holds open, so its end
/// means the router is gone (killed, crashed) and this userpod stops instead of living on as an orphan that
/// nobody routes to. The line <c>keep</c> releases it: the router sends it when the userpod becomes a session
/// meant to outlive the router (<c>--keep-userpods</c>, re-adopted by the next router).
/// </summary>
internal static class Lifeline
{
    /// <summary>The environment variable that turns it on, with the value <see cref="Stdin"/>.</summary>
    public const string Variable = "HTAG_LIFELINE";
    public const string Stdin = "stdin";
    public const string Keep = "keep";

    /// <summary>Watches stdin; calls <paramref name="gone"/> at its end, or <paramref name="kept"/> on "keep" (and stops watching).</summary>
    public static void Watch(Action gone, Action kept)
    {
        // A dedicated background thread blocking on the pipe: stdin reads on Unix are synchronous underneath, and a
        // thread-pool thread parked for the life of the process would only hide that. Small stack: it does nothing.
        var thread = new Thread(() =>
        {
            try
            {
                using var input = new StreamReader(Console.OpenStandardInput());
                while (input.ReadLine() is { } line)
                    if (line.Trim() == Keep) { kept(); return; }
            }
            catch (IOException) { } // a broken pipe is the end too
            gone();
        }, maxStackSize: 128 * 1024) { IsBackground = true, Name = "htag-lifeline" };
        thread.Start();
    }
}
