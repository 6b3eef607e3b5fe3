using System.Diagnostics;
using System.Net;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Reliability;

/// <summary>Issue 4: router processes sharing one real Redis; restarts of Redis and of a router.</summary>
public sealed class SharedRedisTests : IAsyncLifetime
{
    RedisServer _redis = null!;
    readonly List<int> _userpods = [];

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        // Routers in Redis mode leave userpods for re-adoption: the test owns their cleanup.
        foreach (var pid in _userpods.Where(Processes.IsAlive))
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
        await _redis.DisposeAsync();
    }

    async Task<Whoami> WhoamiAsync(HttpClient c)
    {
        var w = await Whoami.GetAsync(c);
        lock (_userpods) if (!_userpods.Contains(w.Pid)) _userpods.Add(w.Pid);
        return w;
    }

    [Fact]
    public async Task A_user_alternating_between_two_routers_stays_on_one_userpod_even_when_both_see_the_first_request()
    {
        await using var one = await RouterProcess.StartAsync("--redis", _redis.Configuration);
        await using var two = await RouterProcess.StartAsync("--redis", _redis.Configuration);

        for (var user = 0; user < 3; user++)
        {
            var uid = UserKey.NewUid();
            using var viaOne = one.ClientWithUid(uid);
            using var viaTwo = two.ClientWithUid(uid);
            // First request of this user on both routers at the same moment, several times each.
            var first = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => WhoamiAsync(i % 2 == 0 ? viaOne : viaTwo)));
            Assert.Single(first.Select(w => w.Pid).Distinct());
            for (var i = 0; i < 6; i++)
                Assert.Equal(first[0].Pid, (await WhoamiAsync(i % 2 == 0 ? viaOne : viaTwo)).Pid);
            // The uid is a bearer secret: neither router ever logs it (only the userKey).
            Assert.DoesNotContain(uid, one.Output + two.Output);
            Assert.Contains(UserKey.FromUid(uid), one.Output + two.Output);
        }
        Assert.Equal(3, _userpods.Count);
    }

    [Fact]
    public async Task A_cookie_one_router_issued_is_accepted_by_the_other_and_a_planted_one_by_neither()
    {
        await using var one = await RouterProcess.StartAsync("--redis", _redis.Configuration);
        await using var two = await RouterProcess.StartAsync("--redis", _redis.Configuration);

        // A browser whose cookie router one issued (not minted by the test) goes on through router two.
        var jar = new CookieContainer();
        using var viaOne = new HttpClient(new SocketsHttpHandler { CookieContainer = jar }) { BaseAddress = one.BaseAddress };
        var first = await WhoamiAsync(viaOne);
        var issued = jar.GetCookies(one.BaseAddress)["htagkube_uid"]!.Value;
        using var bare = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = two.BaseAddress };
        using (var req = new HttpRequestMessage(HttpMethod.Get, "whoami"))
        {
            req.Headers.Add("Cookie", "htagkube_uid=" + issued);
            var res = await bare.SendAsync(req);
            Assert.False(res.Headers.Contains("Set-Cookie"));
            Assert.Equal(first.Pid, Whoami.Parse(await res.Content.ReadAsStringAsync()).Pid);
        }

        // The bare uid inside it is no credential on either router.
        foreach (var router in new[] { one, two })
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, "whoami");
            req.Headers.Add("Cookie", "htagkube_uid=" + one.Uids.Open(issued));
            using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = router.BaseAddress };
            var res = await http.SendAsync(req);
            Assert.True(res.Headers.Contains("Set-Cookie"));
            var other = Whoami.Parse(await res.Content.ReadAsStringAsync()).Pid;
            lock (_userpods) _userpods.Add(other);
            Assert.NotEqual(first.Pid, other);
        }
        // The key ring is in Redis (the hand-written MAC key of before is gone), the uid nowhere.
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var server = redis.GetServers().Single();
        var keys = server.Keys(pattern: "*").Select(k => k.ToString()).ToList();
        Assert.Contains(HTagKube.Router.Backend.RedisBackend.KeysRedisKey, keys);
        Assert.DoesNotContain("htagkube:uid-mac-key", keys);
        var uid = one.Uids.Open(issued);
        Assert.NotNull(uid);
        Assert.DoesNotContain(keys, k => k.Contains(uid!));
    }

    [Fact]
    public async Task A_userpod_killed_behind_one_router_is_replaced_through_the_other_within_2_seconds()
    {
        await using var one = await RouterProcess.StartAsync("--redis", _redis.Configuration);
        await using var two = await RouterProcess.StartAsync("--redis", _redis.Configuration);
        var uid = UserKey.NewUid();
        using var viaOne = one.ClientWithUid(uid);
        using var viaTwo = two.ClientWithUid(uid);
        var before = await WhoamiAsync(viaOne);
        Assert.Equal(before.Pid, (await WhoamiAsync(viaTwo)).Pid);
        // The replacement is a warm userpod of router two (default pool of 2): wait until they are ready, as
        // a router that has been up for more than a few seconds has them. A cold start alone can take 2 s on a
        // loaded machine.
        await two.WaitWarmPoolReadyAsync(2);

        Process.GetProcessById(before.Pid).Kill();
        var sw = Stopwatch.StartNew();
        var after = await WhoamiAsync(viaTwo);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
        Assert.NotEqual(before.Pid, after.Pid);
        Assert.Equal(after.Pid, (await WhoamiAsync(viaOne)).Pid);
    }

    [Fact]
    public async Task A_restarted_router_keeps_its_users_on_their_userpods()
    {
        var uid = UserKey.NewUid();
        int pid, count;
        await using (var first = await RouterProcess.StartAsync("--redis", _redis.Configuration))
        {
            using var c = first.ClientWithUid(uid);
            var w = await WhoamiAsync(c);
            (pid, count) = (w.Pid, (await WhoamiAsync(c)).Count);
            await first.StopAsync();
        }
        Assert.True(Processes.IsAlive(pid), "userpod must outlive a router that shares its routes");

        await using var second = await RouterProcess.StartAsync("--redis", _redis.Configuration);
        using var again = second.ClientWithUid(uid);
        var after = await WhoamiAsync(again);
        Assert.Equal(pid, after.Pid);
        Assert.Equal(count + 1, after.Count);
        using var admin = new HttpClient { BaseAddress = second.BaseAddress };
        var listing = await admin.GetStringAsync("_htagkube/sessions");
        Assert.Contains($"\"pid\": {pid}", listing);
        Assert.Contains("\"adopted\": true", listing);
    }

    [Fact]
    public async Task A_killed_router_leaves_its_sessions_for_adoption_and_takes_its_warm_userpods_with_it()
    {
        var uid = UserKey.NewUid();
        await using var first = await RouterProcess.StartAsync("--redis", _redis.Configuration, "--warm-pool", "1");
        using var c = first.ClientWithUid(uid);
        var session = await WhoamiAsync(c); // a claimed warm userpod, or a cold one
        var warm = 0;
        await Eventually.True(() => (warm = ProcessTree.Children(first.Pid).FirstOrDefault(p => p != session.Pid)) != 0,
            TimeSpan.FromSeconds(30), "the refilled warm userpod");
        lock (_userpods) _userpods.Add(warm);

        first.Kill();
        await Eventually.True(() => !Processes.IsAlive(warm), TimeSpan.FromSeconds(15), "the warm userpod stops with its router");
        Assert.True(Processes.IsAlive(session.Pid), "a session userpod outlives its router in --keep-userpods mode");

        await using var second = await RouterProcess.StartAsync("--redis", _redis.Configuration, "--warm-pool", "0");
        using var again = second.ClientWithUid(uid);
        Assert.Equal(session.Pid, (await WhoamiAsync(again)).Pid); // adopted, state and all
    }

    [Fact]
    public async Task Redis_restarted_under_traffic_moves_nobody_and_outage_errors_are_503s()
    {
        await using var router = await RouterProcess.StartAsync("--redis", _redis.Configuration, "--touch-interval", "00:00:00.2");
        var users = Enumerable.Range(0, 3).Select(_ => router.ClientWithUid(UserKey.NewUid())).ToList();
        var pids = new List<int>();
        foreach (var u in users) pids.Add((await WhoamiAsync(u)).Pid);

        using var stop = new CancellationTokenSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var traffic = users.Select(async (u, i) =>
        {
            while (!stop.IsCancellationRequested)
            {
                var res = await u.GetAsync("whoami");
                statuses.Add(res.StatusCode);
                if (res.IsSuccessStatusCode) Assert.Equal(pids[i], Whoami_Pid(await res.Content.ReadAsStringAsync()));
            }
        }).ToList();

        await Eventually.True(() => statuses.Count > 30, TimeSpan.FromSeconds(10), "traffic flowing");
        await _redis.RestartAsync(TimeSpan.FromSeconds(1));
        var mark = statuses.Count;
        await Eventually.True(() => statuses.Count > mark + 60, TimeSpan.FromSeconds(20), "traffic after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(traffic);

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, s.ToString()));
        for (var i = 0; i < users.Count; i++) Assert.Equal(pids[i], (await WhoamiAsync(users[i])).Pid);
        Assert.Equal(3, _userpods.Count);
        foreach (var u in users) u.Dispose();
    }

    static int Whoami_Pid(string text) => int.Parse(text.Split(' ')[0]["pid=".Length..]);
}
