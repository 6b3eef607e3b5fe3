using System.Collections.Concurrent;
using HTagKube.E2E.Tests.Infrastructure;
using Microsoft.Playwright;

namespace HTagKube.E2E.Tests.Apps;

/// <summary>
/// A user keeps what they had when their userpod dies (issue #25): the router keeps the user's session document,
/// in Redis when it has one and in its own memory otherwise, and the next userpod starts from it.
/// </summary>
public sealed class DurableStateTests : IClassFixture<Chromium>
{
    readonly Chromium _chromium;
    public DurableStateTests(Chromium chromium) => _chromium = chromium;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_counter_survives_kill_9_of_its_userpod_and_the_same_page_goes_on_from_there(bool withRedis)
    {
        await using var redis = withRedis ? await RedisProcess.StartAsync() : null;
        // The userpods' own log lines reach the router's output (at debug level), for a failure's message.
        await using var router = await RouterProcess.StartAsync(redis is null ? null : ["--redis", $"127.0.0.1:{redis.Port}"],
            env: new Dictionary<string, string> { ["Logging__LogLevel__HTagKube.Router.Provisioning"] = "Debug" });
        var page = await _chromium.NewUserPageAsync();
        var browser = Record(page);
        await CounterPage.OpenAsync(page, router.BaseAddress);
        await AppsFixture.WaitReadyAsync(page);
        var writes = await router.StateWritesAsync();
        for (var i = 1; i <= 3; i++) await CounterPage.ClickPlusOneAsync(page, i);
        await router.WaitStateWritesAsync(writes + 3); // each click's write goes beside its reply

        await CounterPage.MarkOldAsync(page);
        var pid = Assert.Single(router.Userpods);
        System.Diagnostics.Process.GetProcessById(pid).Kill(); // SIGKILL: nothing of the userpod runs after this
        await Eventually.True(() => !ProcessTree.IsAlive(pid), TimeSpan.FromSeconds(10), "userpod killed");

        // No reload by the user: htag.js reconnects on its own and resyncs the page onto a new userpod.
        await CounterPage.WaitResyncedAsync(page, 3);
        await Eventually.True(() => router.Userpods is [var now] && now != pid, TimeSpan.FromSeconds(10), "the user on a new userpod");
        try { await CounterPage.ClickPlusOneAsync(page, 4); }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException($"{e.Message}\nbrowser:\n{string.Join('\n', browser)}\nrouter:\n{router.Output}", e);
        }
    }

    /// <summary>The page's console and WebSocket frames, as they happen.</summary>
    static ConcurrentQueue<string> Record(IPage page)
    {
        var seen = new ConcurrentQueue<string>();
        page.Console += (_, m) => seen.Enqueue(m.Type + ": " + m.Text);
        page.WebSocket += (_, ws) =>
        {
            ws.FrameSent += (_, f) => seen.Enqueue("ws> " + f.Text);
            ws.FrameReceived += (_, f) => seen.Enqueue("ws< " + (f.Text is { Length: > 300 } t ? t[..300] : f.Text));
            ws.Close += (_, _) => seen.Enqueue("ws closed");
        };
        return seen;
    }
}
