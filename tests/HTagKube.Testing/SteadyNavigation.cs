using Microsoft.Playwright;

namespace HTagKube.Testing;

/// <summary>
/// Page loads that survive the test machine's network changing under them. Chromium fails a navigation with
/// net::ERR_NETWORK_CHANGED when any interface on the host gains or loses an address, even for a loopback URL, and
/// the cluster's pods and the test containers add and remove veth interfaces all through a CI run (the stop-28 run
/// lost an upload test to it). A person presses reload; these tests do too, for that error only.
/// </summary>
public static class SteadyNavigation
{
    const string NetworkChanged = "net::ERR_NETWORK_CHANGED";
    const int Attempts = 3;

    /// <summary><see cref="IPage.GotoAsync"/>, repeated when Chromium reports the network changed.</summary>
    public static Task<IResponse?> OpenAsync(this IPage page, string url, PageGotoOptions? options = null) =>
        RepeatedAsync(() => page.GotoAsync(url, options));

    /// <summary><see cref="IPage.ReloadAsync"/>, repeated when Chromium reports the network changed.</summary>
    public static Task<IResponse?> ReopenAsync(this IPage page, PageReloadOptions? options = null) =>
        RepeatedAsync(() => page.ReloadAsync(options));

    static async Task<IResponse?> RepeatedAsync(Func<Task<IResponse?>> load)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await load(); }
            catch (PlaywrightException e) when (attempt < Attempts && e.Message.Contains(NetworkChanged, StringComparison.Ordinal)) { }
        }
    }
}
