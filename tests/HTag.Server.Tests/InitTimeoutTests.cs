using System.Net;

namespace HTag.Server.Tests;

/// <summary>Init runs under the interaction timeout and the watchdog, like a handler; its failures are error pages.</summary>
public sealed class InitTimeoutTests
{
    [Fact]
    public async Task A_hanging_init_gets_an_error_page_within_the_timeout_other_apps_keep_working_and_the_watchdog_trips()
    {
        InitApp.Release = false;
        try
        {
            await using var h = await Harness.StartTimedAsync(s => s.Map<InitApp>("/init").Map<CounterApp>("/counter"), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
            var hung = h.Http.GetAsync("/init?mode=hang");
            // The user's other app answers while Init hangs.
            var counter = await h.GetPageAsync("/counter");
            using (var ws = await h.ConnectAsync(counter))
            {
                await ws.ClickAsync(counter.IdOf("class=\"inc\""));
                Assert.Contains(">1<", (await ws.ReceiveAsync())!.Value.GetProperty("update").EnumerateObject().Single().Value.GetString());
            }
            using var res = await hung.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, res.StatusCode);
            Assert.Contains("did not start in time", await res.Content.ReadAsStringAsync());
            await h.WatchdogExitAsync();
        }
        finally { InitApp.Release = true; }
    }

    [Fact]
    public async Task A_hanging_init_whose_client_gave_up_before_the_timeout_still_trips_the_watchdog()
    {
        InitApp.Release = false;
        try
        {
            // The timeout is long enough that the client gives up well before it, even on a loaded machine.
            await using var h = await Harness.StartTimedAsync(s => s.Map<InitApp>("/init"), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500));
            var before = InitApp.Hanging;
            using var gaveUp = new CancellationTokenSource();
            var hung = h.Http.GetAsync("/init?mode=hang", gaveUp.Token);
            await Eventually.True(() => Task.FromResult(InitApp.Hanging > before), TimeSpan.FromSeconds(30), "Init hanging");
            await gaveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hung);
            await h.WatchdogExitAsync();
        }
        finally { InitApp.Release = true; }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_init_exception_is_a_500_page_with_the_stack_trace_only_in_debug(bool debug)
    {
        await using var h = await Harness.StartAsync(s => s.Map<InitApp>("/init"), o => o.Debug = debug);
        using var res = await h.Http.GetAsync("/init?mode=throw");
        Assert.Equal(HttpStatusCode.InternalServerError, res.StatusCode);
        var html = await res.Content.ReadAsStringAsync();
        Assert.Contains("The app failed to start", html);
        Assert.Equal(debug, html.Contains("init blew up"));
        Assert.Equal(debug, html.Contains("at HTag.Server.Tests.InitApp.Init"));
        // The app still starts with a good query afterwards.
        Assert.Contains("path=/init", (await h.GetPageAsync("/init?mode=ok")).Html);
    }

    [Fact]
    public async Task A_query_no_init_overload_fits_is_a_400_page()
    {
        await using var h = await Harness.StartAsync(s => s.Map<InitApp>("/init"));
        using var res = await h.Http.GetAsync("/init?a&b");
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Contains("does not fit Init(String mode)", WebUtility.HtmlDecode(await res.Content.ReadAsStringAsync()));
        Assert.Contains("path=/init", (await h.GetPageAsync("/init?mode=ok&utm=1")).Html);
    }
}
