using System.Net;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Tests.Admission;

/// <summary>
/// Issue 14: the session cap and the per-IP rate limit hold for the deployment, not per router: two real router
/// processes on one real redis-server, bursts of new users spread over both at once.
/// </summary>
public sealed class TwoRoutersLimitsTests : IAsyncLifetime
{
    RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();
    public async Task DisposeAsync() => await _redis.DisposeAsync();

    // Generous waits: a start on a loaded 2-core machine can take seconds; no timing is asserted.
    Task<RouterProcess> StartRouterAsync(params string[] args) => RouterProcess.StartAsync(
        ["--redis", _redis.Configuration, "--keep-userpods", "false", "--warm-pool", "0", "--start-wait", "00:02:00", .. args]);

    static HttpClient Client(RouterProcess router, string uid, string? forwardedFor = null)
    {
        var c = router.ClientWithUid(uid);
        c.Timeout = TimeSpan.FromMinutes(3);
        if (forwardedFor is not null) c.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return c;
    }

    static async Task<HttpStatusCode[]> BurstAsync(IReadOnlyList<HttpClient> clients)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = clients.Select(async c =>
        {
            await gate.Task;
            using var res = await c.GetAsync("whoami");
            if (res.StatusCode != HttpStatusCode.OK)
            {
                // The refusal is the router's page (full or too many; not "starting"), with a hint when to come back.
                Assert.NotNull(res.Headers.RetryAfter);
                var text = await res.Content.ReadAsStringAsync();
                Assert.True(text.Contains("full", StringComparison.OrdinalIgnoreCase) || text.Contains("Too many new sessions"), text);
            }
            return res.StatusCode;
        }).ToList();
        gate.SetResult(); // all at once
        return await Task.WhenAll(pending);
    }

    [Fact]
    public async Task Two_routers_on_one_redis_admit_exactly_the_cap_and_existing_users_keep_working_through_either()
    {
        const int cap = 3, burst = 12;
        await using var one = await StartRouterAsync("--max-sessions", cap.ToString(), "--sessions-per-ip-per-minute", "1000");
        await using var two = await StartRouterAsync("--max-sessions", cap.ToString(), "--sessions-per-ip-per-minute", "1000");
        RouterProcess[] routers = [one, two];

        var uids = Enumerable.Range(0, burst).Select(_ => UserKey.NewUid()).ToList();
        var clients = uids.Select((uid, i) => Client(routers[i % 2], uid)).ToList();
        var answers = await BurstAsync(clients);
        Assert.Equal(cap, answers.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(burst - cap, answers.Count(s => s == HttpStatusCode.ServiceUnavailable));

        // Admitted users keep working through both routers, even at the cap; refused ones stay refused on both.
        for (var i = 0; i < burst; i++)
            foreach (var router in routers)
            {
                using var c = Client(router, uids[i]);
                using var res = await c.GetAsync("whoami");
                Assert.Equal(answers[i] == HttpStatusCode.OK ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, res.StatusCode);
            }

        // A second burst while full: nobody new gets in, whichever router it hits.
        var more = Enumerable.Range(0, 6).Select(i => Client(routers[i % 2], UserKey.NewUid())).ToList();
        Assert.All(await BurstAsync(more), s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));
        foreach (var c in clients.Concat(more)) c.Dispose();
    }

    [Fact]
    public async Task The_per_ip_rate_limit_is_shared_by_two_routers_behind_one_proxy()
    {
        const int perIp = 3, burst = 10;
        // The test is the trusted proxy on loopback; X-Forwarded-For names the client.
        string[] args = ["--max-sessions", "100", "--sessions-per-ip-per-minute", perIp.ToString(), "--trusted-proxies", "127.0.0.1,::1"];
        await using var one = await StartRouterAsync(args);
        await using var two = await StartRouterAsync(args);
        RouterProcess[] routers = [one, two];

        var clients = Enumerable.Range(0, burst).Select(i => Client(routers[i % 2], UserKey.NewUid(), "198.51.100.23")).ToList();
        var answers = await BurstAsync(clients);
        Assert.Equal(perIp, answers.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(burst - perIp, answers.Count(s => s == HttpStatusCode.TooManyRequests));

        // Another client is unaffected on either router; the limited one stays limited on both.
        foreach (var router in routers)
        {
            using var other = Client(router, UserKey.NewUid(), "198.51.100.99");
            Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("whoami")).StatusCode);
            using var same = Client(router, UserKey.NewUid(), "198.51.100.23");
            Assert.Equal(HttpStatusCode.TooManyRequests, (await same.GetAsync("whoami")).StatusCode);
        }
        foreach (var c in clients) c.Dispose();
    }
}
