using System.Net;
using System.Text;
using System.Text.Json;

namespace HTag.Server.Tests;

/// <summary>POST /_htag/call: exposed methods with JSON arguments, the handlers' lock, limits, bad input.</summary>
public sealed class ExposedCallTests
{
    static async Task<(HttpStatusCode Status, JsonElement Reply)> CallAsync(Harness h, AppPage page, string name, string body, string? app = null)
    {
        using var res = await h.Http.PostAsync($"/_htag/call?app={Uri.EscapeDataString(app ?? page.App)}&i={page.Instance}&name={Uri.EscapeDataString(name)}",
            new StringContent(body, Encoding.UTF8, "application/json"));
        return (res.StatusCode, JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task A_call_returns_its_result_and_the_changes_it_made()
    {
        await using var h = await Harness.StartAsync(s => s.Map<ExposeApp>("/"));
        var page = await h.GetPageAsync("/");
        var (status, reply) = await CallAsync(h, page, "add", "[2, 40]");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(42, reply.GetProperty("result").GetInt32());
        (status, reply) = await CallAsync(h, page, "show", "[\"from js\"]");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(">from js<", reply.GetProperty("update").EnumerateObject().Single().Value.GetString());
        Assert.False(reply.TryGetProperty("result", out _));
    }

    [Fact]
    public async Task Calls_run_under_the_same_lock_one_at_a_time()
    {
        await using var h = await Harness.StartAsync(s => s.Map<ExposeApp>("/"));
        var page = await h.GetPageAsync("/");
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => CallAsync(h, page, "slowinc", "[]")));
        Assert.Equal(11, (await CallAsync(h, page, "slowinc", "[]")).Reply.GetProperty("result").GetInt32());
    }

    [Theory]
    [InlineData("add", "not json", HttpStatusCode.BadRequest)]
    [InlineData("add", "{\"a\":1}", HttpStatusCode.BadRequest)]
    [InlineData("add", "", HttpStatusCode.BadRequest)]
    [InlineData("add", "[1,", HttpStatusCode.BadRequest)]
    [InlineData("nope", "[]", HttpStatusCode.NotFound)]
    [InlineData("add", "[\"x\", 1]", HttpStatusCode.InternalServerError)] // the method's own exception
    [InlineData("fail", "[]", HttpStatusCode.InternalServerError)]
    public async Task Bad_calls_get_a_clear_error_and_the_app_carries_on(string name, string body, HttpStatusCode expected)
    {
        await using var h = await Harness.StartAsync(s => s.Map<ExposeApp>("/"));
        var page = await h.GetPageAsync("/");
        var (status, reply) = await CallAsync(h, page, name, body);
        Assert.Equal(expected, status);
        Assert.False(string.IsNullOrEmpty(reply.GetProperty("err").GetString()));
        Assert.Equal(3, (await CallAsync(h, page, "add", "[1, 2]")).Reply.GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task Oversized_arguments_wrong_method_unknown_instance_and_parano_are_refused()
    {
        await using var h = await Harness.StartAsync(s => s.Map<ExposeApp>("/").Map<ExposeApp>("/secret", o => o.Parano = true), o => o.MaxMessageBytes = 4096);
        var page = await h.GetPageAsync("/");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await CallAsync(h, page, "add", "[\"" + new string('x', 5000) + "\"]")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await h.Http.GetAsync($"/_htag/call?app=/&i={page.Instance}&name=add")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(h, new AppPage("data-htag-instance=\"00\" data-htag-app=\"/\""), "add", "[1,2]")).Status);
        var secret = await h.GetPageAsync("/secret");
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(h, secret, "add", "[1,2]")).Status);
        Assert.Equal(3, (await CallAsync(h, page, "add", "[1, 2]")).Reply.GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task A_hanging_call_whose_client_gave_up_is_still_timed_out_and_the_watchdog_trips()
    {
        ExposeApp.Release = false;
        try
        {
            // The timeout is long enough that the client gives up well before it, even on a loaded machine.
            await using var h = await Harness.StartTimedAsync(s => s.Map<ExposeApp>("/"), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500));
            var page = await h.GetPageAsync("/");
            var before = ExposeApp.Hanging;
            using var gaveUp = new CancellationTokenSource();
            var call = h.Http.PostAsync($"/_htag/call?app={Uri.EscapeDataString(page.App)}&i={page.Instance}&name=hang",
                new StringContent("[]", Encoding.UTF8, "application/json"), gaveUp.Token);
            await Eventually.True(() => Task.FromResult(ExposeApp.Hanging > before), TimeSpan.FromSeconds(30), "the call hanging");
            await gaveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            // The app's lock is still held: only the timeout and the watchdog can end this, client or no client.
            await h.WatchdogExitAsync();
            Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(h, page, "add", "[1, 2]")).Status);
        }
        finally { ExposeApp.Release = true; }
    }

    [Fact]
    public async Task A_result_json_cannot_carry_is_a_clear_500_and_the_app_carries_on()
    {
        await using var h = await Harness.StartAsync(s => s.Map<ExposeApp>("/"));
        var page = await h.GetPageAsync("/");
        var (status, reply) = await CallAsync(h, page, "infinity", "[]");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("the result cannot be sent as JSON", reply.GetProperty("err").GetString());
        Assert.Equal(42, (await CallAsync(h, page, "add", "[2, 40]")).Reply.GetProperty("result").GetInt32());
    }
}
