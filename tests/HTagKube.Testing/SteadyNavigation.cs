using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace HTagKube.Testing;

/// <summary>
/// Page loads that survive the test machine's network changing under them. Chromium fails a navigation with
/// net::ERR_NETWORK_CHANGED when any interface on the host gains or loses an address, even for a loopback URL, and
/// the cluster's pods and the test containers add and remove veth interfaces all through a CI run (the stop-28 run
/// lost an upload test to it). While the interfaces churn, Chromium may also judge the machine offline for a moment and
/// fail a loopback request with net::ERR_INTERNET_DISCONNECTED (the CI run w1: a sign-in's last redirect, which nginx
/// logged as a 499). Playwright reports either as that error or, when Chromium has already committed its error page, as
/// the navigation being "interrupted by another navigation to chrome-error://chromewebdata/"; then the error page names
/// the code. A person presses reload; these tests do too, for those two errors only (Chromium's view of the host's
/// network, not an answer of ours), also when the page loaded but one of its scripts or style sheets failed so, and any
/// other error page fails the load with its code in the message. The code is
/// taken from the failed request Chromium reports for the main frame's document, else read from the error page (stop
/// 32: a busy machine had not filled the page in within a second).
/// </summary>
public static partial class SteadyNavigation
{
    const string NetworkChanged = "ERR_NETWORK_CHANGED";
    const string Offline = "ERR_INTERNET_DISCONNECTED";
    const string Aborted = "ERR_ABORTED";
    const string ErrorPage = "chrome-error://chromewebdata/";

    /// <summary>A person's pause before pressing reload, longer each time: a burst of pod starts changes interfaces for
    /// seconds (CI run u3, a core busy: three loads in a row failed at once). A back-off, not a wait for a condition.</summary>
    public static TimeSpan Pause(int attempt) => TimeSpan.FromMilliseconds(300 * attempt);

    /// <summary>How many times a load (or an upload: <see cref="SteadyUpload"/>) is tried while the network churns.</summary>
    public const int Attempts = 6;

    /// <summary>True when Chromium's failure text is its view of the host's network churning, not an answer of ours.</summary>
    public static bool IsNetworkChurn(string? failure) =>
        failure is not null && (failure.Contains(NetworkChanged, StringComparison.Ordinal) || failure.Contains(Offline, StringComparison.Ordinal));

    /// <summary><see cref="IPage.GotoAsync"/>, repeated when Chromium reports the network changed or offline.</summary>
    public static Task<IResponse?> OpenAsync(this IPage page, string url, PageGotoOptions? options = null) =>
        RepeatedAsync(page, () => page.GotoAsync(url, options));

    /// <summary><see cref="IPage.ReloadAsync"/>, repeated when Chromium reports the network changed or offline.</summary>
    public static Task<IResponse?> ReopenAsync(this IPage page, PageReloadOptions? options = null) =>
        RepeatedAsync(page, () => page.ReloadAsync(options));

    static async Task<IResponse?> RepeatedAsync(IPage page, Func<Task<IResponse?>> load)
    {
        var failures = FailuresOf(page);
        for (var attempt = 1; ; attempt++)
        {
            failures.Take();
            try
            {
                var response = await load();
                // Loaded, but a script or style sheet of it lost to the churn leaves a page without it (CI, session 17:
                // htag.js, so the page never connected): a person reloads that too.
                if (!failures.TakeChurnedSubresource() || attempt >= Attempts) return response;
                await Task.Delay(Pause(attempt));
                continue;
            }
            catch (PlaywrightException e) when (IsNetworkChurn(e.Message))
            {
                if (attempt >= Attempts) throw;
                await Task.Delay(Pause(attempt));
            }
            catch (PlaywrightException e) when (e.Message.Contains(ErrorPage, StringComparison.Ordinal))
            {
                await BeforeAnotherAttemptAsync(page, attempt, e.Message);
            }
        }
    }

    /// <summary>
    /// A load or a chain of navigations (a sign-in) ended on Chromium's error page. Returns after a person's pause when the
    /// page is for the host's network changing (the caller tries again: <paramref name="attempt"/> was its try), else
    /// throws, with <paramref name="what"/> and the code the page shows.
    /// </summary>
    public static async Task BeforeAnotherAttemptAsync(IPage page, int attempt, string what)
    {
        var code = FailuresOf(page).Take();
        if (code is null or Aborted) code = await ErrorCodeAsync(page) ?? code; // the page may name the cause
        if (code is not (NetworkChanged or Offline) || attempt >= Attempts)
            throw new PlaywrightException($"{what} (attempt {attempt}) ended on Chromium's error page: {code ?? "(no error code found)"}");
        await Task.Delay(Pause(attempt));
    }

    /// <summary>True when <paramref name="url"/> is Chromium's error page.</summary>
    public static bool IsErrorPage(string url) => url.StartsWith(ErrorPage, StringComparison.Ordinal);

    static readonly ConditionalWeakTable<IPage, DocumentFailures> Failures = new();

    /// <summary>The page's recorder of failed document loads, attached at its first load through this class (before any
    /// sign-in chain, which starts with one).</summary>
    static DocumentFailures FailuresOf(IPage page) => Failures.GetValue(page, p => new DocumentFailures(p));

    /// <summary>The net::ERR_… codes of the main frame's failed document requests since the last <see cref="Take"/>.</summary>
    sealed class DocumentFailures
    {
        readonly Lock _gate = new();
        string? _code;

        bool _churnedSubresource;

        public DocumentFailures(IPage page) => page.RequestFailed += (_, request) =>
        {
            if (!request.IsNavigationRequest)
            {
                if (IsNetworkChurn(request.Failure)) lock (_gate) _churnedSubresource = true;
                return;
            }
            if (request.Frame != page.MainFrame) return;
            var m = ErrorCode().Match(request.Failure ?? "");
            if (!m.Success) return;
            // A request cut short by the next navigation says ERR_ABORTED; the cause, when there is one, is the other code.
            lock (_gate) if (_code is null || m.Value != Aborted) _code = m.Value;
        };

        /// <summary>The latest code (ERR_ABORTED only if nothing else failed) and forgets them all.</summary>
        public string? Take()
        {
            lock (_gate)
            {
                var code = _code;
                _code = null;
                _churnedSubresource = false;
                return code;
            }
        }

        /// <summary>Whether a request other than a document load failed to the churn since the last take; forgets it.</summary>
        public bool TakeChurnedSubresource()
        {
            lock (_gate)
            {
                var churned = _churnedSubresource;
                _churnedSubresource = false;
                return churned;
            }
        }
    }

    /// <summary>
    /// The net::ERR_… code Chromium's error page shows, or null if the page shows none. The error page is committed
    /// before its text is filled in (stop 30 read "(no error code found)"): read until it names one, for a few seconds.
    /// </summary>
    static async Task<string?> ErrorCodeAsync(IPage page)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                var m = ErrorCode().Match(await page.ContentAsync());
                if (m.Success) return m.Value;
            }
            catch (PlaywrightException) { }
            if (DateTime.UtcNow > deadline) return null;
            await Task.Delay(100);
        }
    }

    [GeneratedRegex("ERR_[A-Z0-9_]+")]
    private static partial Regex ErrorCode();
}
