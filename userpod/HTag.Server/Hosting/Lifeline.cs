using System.Globalization;
using HTagKube.Contract;

namespace HTag.Hosting;

/// <summary>
/// <c>HTAG_LIFELINE=stdin</c> (set by the local-mode router): stdin is a pipe the router holds open, so its end
/// means the router is gone (killed, crashed) and this userpod stops instead of living on as an orphan that
/// nobody routes to. The line <c>keep</c> releases it: the router sends it when the userpod becomes a session
/// meant to outlive the router (<c>--keep-userpods</c>, re-adopted by the next router).
/// Backstop for a pipe end that never shows (another process holding the pipe's write end): the parent process
/// changing, i.e. this userpod reparented to init or a subreaper, ends the lifeline too. (PR_SET_PDEATHSIG is no
/// use here: it fires when the parent's forking thread exits, and .NET starts processes from any pool thread.)
/// </summary>
static class Lifeline
{

    static readonly TimeSpan ParentCheck = TimeSpan.FromSeconds(1);

    /// <summary>Watches stdin and the parent; calls <paramref name="gone"/> (with why) once at the end of either, or
    /// <paramref name="kept"/> on "keep" (and stops watching).</summary>
    public static void Watch(Action<string> gone, Action kept)
    {
        var over = 0;
        Timer? parentWatch = null;
        void End(string? why) // why: null when released
        {
            if (Interlocked.Exchange(ref over, 1) != 0) return;
            parentWatch?.Dispose();
            if (why is null) kept(); else gone(why);
        }

        if (ParentPid() is { } parent)
            parentWatch = new Timer(_ => { if (ParentPid() != parent) End("the parent process changed"); }, null, ParentCheck, ParentCheck);

        // A dedicated background thread blocking on the pipe: stdin reads on Unix are synchronous underneath, and a
        // thread-pool thread parked for the life of the process would only hide that. Small stack: it does nothing.
        var thread = new Thread(() =>
        {
            try
            {
                using var input = new StreamReader(Console.OpenStandardInput());
                while (input.ReadLine() is { } line)
                    if (line.Trim() == UserpodEnvironment.LifelineKeep) { End(null); return; }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { } // a broken pipe is the end too
            End("stdin ended");
        }, maxStackSize: 128 * 1024) { IsBackground = true, Name = "htag-lifeline" };
        thread.Start();
    }

    /// <summary>This process's parent pid from /proc/self/stat (the field after the command's closing parenthesis); null
    /// without /proc.</summary>
    internal static int? ParentPid()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ppid) ? ppid : null;
        }
        catch (Exception e)
            when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
