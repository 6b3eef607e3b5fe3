using System.Net;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests;

/// <summary>Issue 2: cookie → one userpod process per browser, kept, expired, stopped.</summary>
public sealed class LocalSessionTests
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Two_cookie_jars_get_two_processes_and_the_same_cookie_the_same_process()
    {
        await using var router = await RouterHost.StartAsync();
        using var alice = router.NewClient();
        using var bob = router.NewClient();

        var a1 = await Whoami.GetAsync(alice);
        var b1 = await Whoami.GetAsync(bob);
        var a2 = await Whoami.GetAsync(alice);

        Assert.NotEqual(a1.Pid, b1.Pid);
        Assert.Equal(a1.Pid, a2.Pid);
        Assert.Equal(a1.Instance, a2.Instance);
        Assert.Equal(a1.Count + 1, a2.Count); // state kept in that process
        Assert.True(Processes.IsAlive(a1.Pid) && Processes.IsAlive(b1.Pid));
        Assert.Equal(2, router.Provisioner.LiveSessions);
    }

    [Fact]
    public async Task The_uid_cookie_is_random_httponly_lax_and_secure_behind_https()
    {
        await using var router = await RouterHost.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = router.BaseAddress };

        var plain = await http.GetAsync("whoami");
        var cookie = Assert.Single(plain.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("htagkube_uid=", cookie);
        var uid = router.Uids.Open(RouterCookies.ValueOf(cookie));
        Assert.True(UserKey.IsWellFormedUid(uid));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);

        using var req = new HttpRequestMessage(HttpMethod.Get, "whoami");
        req.Headers.Add("X-Forwarded-Proto", "https");
        var behindTls = await http.SendAsync(req);
        var secure = behindTls.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("secure", secure, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(uid, router.Uids.Open(RouterCookies.ValueOf(secure)));
    }

    public static TheoryData<string> MalformedCookies => new()
    {
        "",
        "short",
        new string('a', 43) + "=",                // right length + padding char
        new string('A', 42) + "!",                // invalid char
        new string('A', 44),                      // too long
        new string('x', 3000),                    // oversized but within header limits
        "%00%01%02",
        "\"quoted\"",
        UserKey.NewUid() + "x",
        "../../../etc/passwd",
    };

    [Theory]
    [MemberData(nameof(MalformedCookies))]
    public async Task A_malformed_or_oversized_cookie_gets_a_fresh_uid_never_a_500(string value)
    {
        await using var router = await RouterHost.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = router.BaseAddress };
        using var req = new HttpRequestMessage(HttpMethod.Get, "whoami");
        req.Headers.TryAddWithoutValidation("Cookie", "htagkube_uid=" + value);
        var res = await http.SendAsync(req);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var set = Assert.Single(res.Headers.GetValues("Set-Cookie"));
        var uid = router.Uids.Open(RouterCookies.ValueOf(set));
        Assert.True(UserKey.IsWellFormedUid(uid));
        Assert.NotEqual(value, uid);
    }

    [Fact]
    public async Task A_cookie_over_the_header_limit_is_refused_cleanly_and_the_router_keeps_serving()
    {
        await using var router = await RouterHost.StartAsync("--max-request-headers", "8192");
        using var http = new HttpClient { BaseAddress = router.BaseAddress };
        using var req = new HttpRequestMessage(HttpMethod.Get, "whoami");
        req.Headers.TryAddWithoutValidation("Cookie", "htagkube_uid=" + new string('x', 20_000));
        var res = await http.SendAsync(req);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, res.StatusCode);

        using var browser = router.NewClient();
        Assert.True((await Whoami.GetAsync(browser)).Pid > 0);
    }

    [Fact]
    public async Task An_idle_route_expires_its_process_is_stopped_and_the_next_request_gets_a_new_one()
    {
        await using var router = await RouterHost.StartAsync("--idle-timeout", "00:00:01.5", "--sweep-interval", "00:00:00.2");
        var uid = UserKey.NewUid();
        using var browser = router.ClientWithUid(uid);
        var first = await Whoami.GetAsync(browser);

        await Eventually.True(() => !Processes.IsAlive(first.Pid), Deadline, "idle userpod stopped");
        Assert.Null(router.PidOf(uid));

        var second = await Whoami.GetAsync(browser);
        Assert.NotEqual(first.Pid, second.Pid);
        Assert.Equal(1, second.Count);
    }

    [Fact]
    public async Task Activity_keeps_a_route_alive_past_the_idle_timeout()
    {
        // 6 s: a request every 200 ms must never leave the route idle that long, even when CI's load stalls one for
        // seconds (a 2 s timeout raced with such stalls; the 3 s one of E2E's IdleTimeoutTests lost, CI run s3).
        await using var router = await RouterHost.StartAsync("--idle-timeout", "6s", "--sweep-interval", "00:00:00.2");
        using var browser = router.NewClient();
        var first = await Whoami.GetAsync(browser);
        var until = DateTime.UtcNow.AddSeconds(9); // one and a half idle timeouts
        while (DateTime.UtcNow < until)
        {
            Assert.Equal(first.Pid, (await Whoami.GetAsync(browser)).Pid);
            await Task.Delay(200); // user pacing, not synchronisation
        }
    }

    [Fact]
    public async Task Concurrent_first_requests_of_one_user_start_exactly_one_process()
    {
        await using var router = await RouterHost.StartAsync();
        var uid = UserKey.NewUid();
        var clients = Enumerable.Range(0, 16).Select(_ => router.ClientWithUid(uid)).ToList();
        var answers = await Task.WhenAll(clients.Select(c => Whoami.GetAsync(c)));

        Assert.Single(answers.Select(a => a.Pid).Distinct());
        Assert.Equal(1, (await router.MetricAsync("htagkube_sessions_started_total")));
        Assert.Equal(16, answers.Max(a => a.Count));
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task Router_shutdown_stops_every_userpod_it_started()
    {
        var router = await RouterHost.StartAsync();
        var pids = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            using var c = router.NewClient();
            pids.Add((await Whoami.GetAsync(c)).Pid);
        }
        Assert.All(pids, p => Assert.True(Processes.IsAlive(p)));

        await router.DisposeAsync();

        Assert.All(pids, p => Assert.False(Processes.IsAlive(p), $"userpod {p} still alive after router shutdown"));
    }

    [Fact]
    public async Task Ending_a_session_through_the_loopback_admin_endpoint_stops_its_process()
    {
        await using var router = await RouterHost.StartAsync();
        var uid = UserKey.NewUid();
        using var browser = router.ClientWithUid(uid);
        var before = await Whoami.GetAsync(browser);

        using var admin = new HttpClient { BaseAddress = router.BaseAddress };
        var list = await admin.GetStringAsync("_htagkube/sessions");
        Assert.Contains(UserKey.FromUid(uid), list);
        Assert.Contains($"\"pid\": {before.Pid}", list);
        Assert.DoesNotContain(uid, list);

        var end = await admin.DeleteAsync("_htagkube/sessions/" + UserKey.FromUid(uid));
        Assert.Equal(HttpStatusCode.NoContent, end.StatusCode);
        Assert.False(Processes.IsAlive(before.Pid));

        var after = await Whoami.GetAsync(browser);
        Assert.NotEqual(before.Pid, after.Pid);
    }
}
