using System.Text.RegularExpressions;
using HTagKube.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HTagKube.E2E.Tests.Apps;

/// <summary>
/// A click is delivered exactly once, whatever the WebSocket does: held back before it opens, or dying with the
/// click in flight (before the click ran, or after it ran but before its answer came back). The socket is held
/// or cut on purpose (a TCP relay that delays the upgrade, Playwright's WebSocket routing), never by luck.
/// </summary>
[Collection(nameof(AppsCollection))]
public sealed class ExactlyOnceClickTests
{
    static readonly Regex WsUrl = new("/_htag/ws");
    readonly AppsFixture _f;
    public ExactlyOnceClickTests(AppsFixture f) => _f = f;

    static ILocator PlusOne(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "+1" });

    static Task ExpectCountAsync(IPage page, int n) => Expect(page.Locator(".count")).ToHaveTextAsync(n.ToString());

    [Fact]
    public async Task A_click_made_before_the_WebSocket_opens_runs_once_when_it_opens()
    {
        await using var gate = new UpgradeGate(_f.Router.BaseAddress);
        var page = await _f.Chromium.NewUserPageAsync();
        await page.OpenAsync(new Uri(gate.BaseAddress, "counter").ToString());
        await Eventually.True(() => gate.Held == 1, TimeSpan.FromSeconds(30), "the page's WebSocket upgrade held back");
        Assert.False(await page.EvaluateAsync<bool>("() => window.htag.connected"));

        await PlusOne(page).ClickAsync();
        Assert.Equal("0", (await page.Locator(".count").InnerTextAsync()).Trim()); // nowhere to go yet
        gate.Open();

        await ExpectCountAsync(page, 1);
        await PlusOne(page).ClickAsync();
        await ExpectCountAsync(page, 2);
    }

    [Fact]
    public async Task A_click_lost_with_its_socket_before_it_ran_is_sent_again_after_the_reconnect()
    {
        var page = await _f.Chromium.NewUserPageAsync();
        var sockets = 0;
        await page.RouteWebSocketAsync(WsUrl, ws =>
        {
            var server = ws.ConnectToServer();
            if (Interlocked.Increment(ref sockets) > 1) return; // later sockets: relayed untouched
            ws.OnMessage(frame =>
            {
                if (!IsInteraction(frame)) { server.Send(frame.Text ?? ""); return; }
                // The first interaction never reaches the server: its socket dies with it in flight.
                _ = ws.CloseAsync(new() { Code = 4000, Reason = "cut in flight" });
                _ = server.CloseAsync();
            });
        });
        await OpenConnectedAsync(page);

        await PlusOne(page).ClickAsync();
        await ExpectCountAsync(page, 1);
        Assert.True(Volatile.Read(ref sockets) >= 2, "the page reconnected");
        await PlusOne(page).ClickAsync();
        await ExpectCountAsync(page, 2);
    }

    [Fact]
    public async Task A_click_that_ran_but_lost_its_answer_with_the_socket_runs_only_once()
    {
        var page = await _f.Chromium.NewUserPageAsync();
        var sockets = 0;
        await page.RouteWebSocketAsync(WsUrl, ws =>
        {
            var server = ws.ConnectToServer();
            if (Interlocked.Increment(ref sockets) > 1) return;
            server.OnMessage(frame =>
            {
                if (frame.Text is { } t && t.Contains("\"ack\"", StringComparison.Ordinal))
                {
                    // The click ran on the server; its answer dies with the socket.
                    _ = ws.CloseAsync(new() { Code = 4000, Reason = "cut in flight" });
                    _ = server.CloseAsync();
                    return;
                }
                ws.Send(frame.Text ?? "");
            });
        });
        await OpenConnectedAsync(page);

        await PlusOne(page).ClickAsync();
        await ExpectCountAsync(page, 1);
        await PlusOne(page).ClickAsync();
        await ExpectCountAsync(page, 2); // not 3: the resent first click did not run again
        Assert.True(Volatile.Read(ref sockets) >= 2, "the page reconnected");
    }

    static bool IsInteraction(IWebSocketFrame frame) => frame.Text is { } t && t.Contains("\"ev\"", StringComparison.Ordinal);

    async Task OpenConnectedAsync(IPage page)
    {
        await page.OpenAsync(new Uri(_f.Router.BaseAddress, "counter").ToString());
        await page.WaitForFunctionAsync("() => window.htag && window.htag.connected === true", null, new() { Timeout = 30_000 });
    }
}
