using System.Net;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Protection;

/// <summary>Issue 4: session cap, per-IP creation rate limit, operations endpoints.</summary>
public sealed class ProtectionTests
{
    [Fact]
    public async Task Over_the_session_cap_new_users_get_a_clear_503_page_and_existing_users_are_unaffected()
    {
        await using var router = await RouterHost.StartAsync("--max-sessions", "2");
        using var a = router.NewClient();
        using var b = router.NewClient();
        var pa = (await Whoami.GetAsync(a)).Pid;
        var pb = (await Whoami.GetAsync(b)).Pid;

        using var c = router.NewClient();
        using var nav = new HttpRequestMessage(HttpMethod.Get, "");
        nav.Headers.Accept.ParseAdd("text/html");
        var refused = await c.SendAsync(nav);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter is not null);
        Assert.Contains("Server full", await refused.Content.ReadAsStringAsync());

        Assert.Equal(pa, (await Whoami.GetAsync(a)).Pid);
        Assert.Equal(pb, (await Whoami.GetAsync(b)).Pid);
        Assert.Equal(2, router.Provisioner.LiveSessions);
        Assert.Contains("htagkube_sessions_rejected_total{reason=\"cap\"} 1", await a.GetStringAsync("metrics"));
    }

    [Fact]
    public async Task One_client_ip_creating_sessions_too_fast_gets_429_while_its_sessions_keep_working()
    {
        await using var router = await RouterHost.StartAsync("--sessions-per-ip-per-minute", "3");
        var clients = Enumerable.Range(0, 3).Select(_ => router.NewClient()).ToList();
        foreach (var c in clients) await Whoami.GetAsync(c);

        using var fourth = router.NewClient();
        var res = await fourth.GetAsync("whoami");
        Assert.Equal(HttpStatusCode.TooManyRequests, res.StatusCode);
        Assert.NotNull(res.Headers.RetryAfter);
        Assert.Equal(3, router.Provisioner.LiveSessions);
        foreach (var c in clients) Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("whoami")).StatusCode);
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_with_the_documented_series()
    {
        await using var router = await RouterHost.StartAsync();
        using var user = router.NewClient();
        await Whoami.GetAsync(user);
        await Whoami.GetAsync(user);
        await user.GetAsync("status/404");

        var res = await user.GetAsync("metrics");
        Assert.StartsWith("text/plain", res.Content.Headers.ContentType!.ToString());
        var text = await res.Content.ReadAsStringAsync();
        Assert.Contains("htagkube_live_sessions 1\n", text);
        Assert.Contains("htagkube_sessions_started_total 1\n", text);
        Assert.Contains("htagkube_spawn_duration_seconds_count 1\n", text);
        Assert.Contains("htagkube_proxied_requests_total{code=\"200\"} 2\n", text);
        Assert.Contains("htagkube_proxied_requests_total{code=\"404\"} 1\n", text);
        foreach (var series in new[] { "htagkube_websocket_connections", "htagkube_interactions_total", "htagkube_route_table_errors_total" })
            Assert.Contains($"# TYPE {series} ", text);
        // Every sample line is "name{labels} value".
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
            Assert.Matches(@"^[a-z_]+(\{[a-z]+=""[^""]*""\})? [0-9.e+-]+$", line);
    }

    [Fact]
    public async Task Health_and_readiness_answer_without_a_session()
    {
        await using var router = await RouterHost.StartAsync();
        using var http = new HttpClient { BaseAddress = router.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("readyz")).StatusCode);
        Assert.Equal(0, router.Provisioner.LiveSessions);
    }

    [Fact]
    public async Task The_session_listing_is_hidden_from_relayed_clients_and_wrong_methods()
    {
        await using var router = await RouterHost.StartAsync();
        using var http = new HttpClient { BaseAddress = router.BaseAddress };
        using var relayed = new HttpRequestMessage(HttpMethod.Get, "_htagkube/sessions");
        relayed.Headers.Add("X-Forwarded-For", "203.0.113.9");
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(relayed)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.DeleteAsync("_htagkube/sessions/not-a-key")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("_htagkube/sessions/" + new string('0', 32))).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PutAsync("_htagkube/sessions", null)).StatusCode);
    }

    [Fact]
    public async Task A_userpod_that_cannot_start_gives_a_503_not_a_hang()
    {
        await using var router = await RouterHost.StartAsync("--userpod-command", "/bin/false");
        using var user = router.NewClient();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var res = await user.GetAsync("");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, res.StatusCode);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), sw.Elapsed.ToString());
        Assert.Contains("htagkube_spawn_failures_total 1", await user.GetStringAsync("metrics"));
    }

    [Fact]
    public async Task A_slow_start_gives_navigations_a_self_reloading_page_and_api_calls_503_retry_after()
    {
        // A "userpod" that never announces itself: the start outlives --start-wait.
        await using var router = await RouterHost.StartAsync("--userpod-command", "/bin/sh -c \"sleep 30\"", "--start-wait", "00:00:00.3", "--spawn-timeout", "00:00:05");
        using var user = router.NewClient();
        using var nav = new HttpRequestMessage(HttpMethod.Get, "");
        nav.Headers.Add("Sec-Fetch-Mode", "navigate");
        var page = await user.SendAsync(nav);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Starting your session", html);
        Assert.Contains("http-equiv=\"refresh\"", html);

        var api = await user.GetAsync("api/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), api.Headers.RetryAfter!.Delta);
        Assert.Equal(1, router.Provisioner.LiveSessions); // one start in flight, not two
    }
}
