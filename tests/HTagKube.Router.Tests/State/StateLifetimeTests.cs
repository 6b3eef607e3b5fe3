using System.Net;
using System.Text;
using HTagKube.Contract;
using HTagKube.Router.State;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing;
using HTagKube.Routing.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace HTagKube.Router.Tests.State;

/// <summary>
/// How long a user's state lives: past its userpod (idle expiry, a new userpod reads it), not past an end by the
/// user's or an admin's will (Sessions/SessionService.EndByWillAsync); and the Redis backend, where several routers
/// share it and a route may change under the route cache.
/// </summary>
public sealed class StateLifetimeTests
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    static StringContent Json(string json) => new(json, Encoding.UTF8, StateProtocol.ContentType);

    static async Task PutThroughUserpodAsync(HttpClient browser, string json)
    {
        var put = await browser.PutAsync("state", Json(json));
        Assert.Equal("204", await put.StateStatusAsync());
    }

    [Fact]
    public async Task An_idle_expiry_keeps_the_state_and_the_next_userpod_reads_it()
    {
        // The idle timeout bounds each request too: the route's TTL starts when the new userpod's route is published, and
        // that userpod's first request (cold, JIT) must reach the state endpoint within it. 1.5 s was too short for a busy
        // CI machine (run x2: 403, the route had expired under the request).
        await using var router = await RouterHost.StartAsync("--idle-timeout", "5s", "--sweep-interval", "200ms",
            "--state-retention", "10m", "--warm-pool", "0");
        var uid = UserKey.NewUid();
        var userKey = UserKey.FromUid(uid);
        using var browser = router.ClientWithUid(uid);
        var first = await Whoami.GetAsync(browser);
        await PutThroughUserpodAsync(browser, """{"step":3}""");

        await Eventually.True(() => router.Provisioner.Find(userKey) is null && !Processes.IsAlive(first.Pid), Deadline,
            "the idle session ended and its userpod stopped");
        var store = router.App.Services.GetRequiredService<IStateStore>();
        Assert.NotNull(await store.GetAsync(userKey, TimeSpan.FromMinutes(10), default));

        var get = await browser.GetAsync("state");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("""{"step":3}""", await get.Content.ReadAsStringAsync());
        Assert.NotEqual(first.Pid, (await Whoami.GetAsync(browser)).Pid); // a new userpod read it
    }

    [Fact]
    public async Task Ending_a_session_through_the_admin_endpoint_deletes_its_state_and_other_users_keep_theirs()
    {
        await using var router = await RouterHost.StartAsync("--warm-pool", "0");
        var (uid, other) = (UserKey.NewUid(), UserKey.NewUid());
        using var browser = router.ClientWithUid(uid);
        using var otherBrowser = router.ClientWithUid(other);
        await PutThroughUserpodAsync(browser, """{"mine":1}""");
        await PutThroughUserpodAsync(otherBrowser, """{"theirs":1}""");
        var store = router.App.Services.GetRequiredService<IStateStore>();

        using var admin = new HttpClient { BaseAddress = router.BaseAddress };
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("_htagkube/sessions/" + UserKey.FromUid(uid))).StatusCode);

        Assert.Null(await store.GetAsync(UserKey.FromUid(uid), TimeSpan.FromMinutes(1), default));
        Assert.NotNull(await store.GetAsync(UserKey.FromUid(other), TimeSpan.FromMinutes(1), default));
        var fresh = await browser.GetAsync("state"); // a new userpod starts with nothing
        Assert.Equal("204", await fresh.StateStatusAsync());
    }

    [Fact]
    public async Task The_admin_endpoint_deletes_the_state_of_a_user_whose_userpod_is_already_gone()
    {
        await using var router = await RouterHost.StartAsync("--warm-pool", "0");
        var store = router.App.Services.GetRequiredService<IStateStore>();
        var userKey = UserKey.FromUid(UserKey.NewUid());
        await store.PutAsync(userKey, Encoding.UTF8.GetBytes("{}"), TimeSpan.FromMinutes(5), default);

        using var admin = new HttpClient { BaseAddress = router.BaseAddress };
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("_htagkube/sessions/" + userKey)).StatusCode);
        Assert.Null(await store.GetAsync(userKey, TimeSpan.FromMinutes(1), default));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("_htagkube/sessions/" + userKey)).StatusCode);
    }

    [Fact]
    public async Task With_redis_the_state_is_in_redis_and_a_new_userpods_token_is_honoured_at_once_and_the_old_one_refused()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var router = await RouterHost.StartAsync("--redis", redis.Configuration, "--keep-userpods", "false",
            "--warm-pool", "0", "--state-retention", "2h");
        var uid = UserKey.NewUid();
        var userKey = UserKey.FromUid(uid);
        using var browser = router.ClientWithUid(uid);
        await PutThroughUserpodAsync(browser, """{"in":"redis"}""");

        await using var table = await RedisRouteTable.ConnectAsync(redis.Configuration);
        var mux = table.Connection.GetDatabase();
        Assert.Equal("""{"in":"redis"}""", (string?)await mux.StringGetAsync(RouteKeys.State(userKey)));
        // The userpod may live the idle timeout (30 min by default) after the user's last activity; the state outlives it by
        // the retention.
        Assert.InRange((await mux.KeyTimeToLiveAsync(RouteKeys.State(userKey)))!.Value, TimeSpan.FromMinutes(149), TimeSpan.FromMinutes(150));

        // A new userpod of this user (as another router or the operator would publish it): the router's route cache
        // still holds the old route (just read), yet the new token works at once and the old one no longer does.
        var old = (await table.GetAsync(userKey, default))!;
        using var http = new HttpClient { BaseAddress = router.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, await GetWithAsync(old.Token));
        var replacement = old with { Token = Tokens.New() };
        await table.PutAsync(userKey, replacement, TimeSpan.FromMinutes(5), default);
        async Task<HttpStatusCode> GetWithAsync(string token)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, StateProtocol.Path.TrimStart('/'));
            req.Headers.TryAddWithoutValidation(Headers.StateKey, userKey);
            req.Headers.TryAddWithoutValidation(Headers.Token, token);
            return (await http.SendAsync(req)).StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await GetWithAsync(replacement.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await GetWithAsync(old.Token));
    }
}
