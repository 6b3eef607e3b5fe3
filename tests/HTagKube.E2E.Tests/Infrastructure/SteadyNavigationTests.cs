using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>
/// The tests' one rule for Chromium's error page (<see cref="SteadyNavigation"/>): a load that fails for a reason other
/// than the host's network churning fails at once, naming Chromium's code, so a failure says what happened (stop 32's
/// said "(no error code found)").
/// </summary>
public sealed class SteadyNavigationTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_refused_load_fails_at_once_naming_chromiums_code()
    {
        var page = await chromium.NewUserPageAsync();
        var url = $"http://127.0.0.1:{ClosedPort()}/";

        var e = await Assert.ThrowsAsync<PlaywrightException>(() => page.OpenAsync(url));

        Assert.Contains("ERR_CONNECTION_REFUSED", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_page_that_is_not_the_networks_churn_is_not_tried_again_and_names_its_code()
    {
        var page = await chromium.NewUserPageAsync();
        await Assert.ThrowsAsync<PlaywrightException>(() => page.OpenAsync($"http://127.0.0.1:{ClosedPort()}/"));

        var e = await Assert.ThrowsAsync<PlaywrightException>(() => SteadyNavigation.BeforeAnotherAttemptAsync(page, 1, "the load"));

        Assert.Contains("the load (attempt 1)", e.Message, StringComparison.Ordinal);
        Assert.Contains("ERR_CONNECTION_REFUSED", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A loopback port nothing listens on: bound, then released.</summary>
    static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
