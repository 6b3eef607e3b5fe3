using System.Diagnostics;
using System.Text.Json;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.WarmPool;

/// <summary>Issue 8: two router processes with warm pools sharing one real redis-server.</summary>
public sealed class SharedRedisWarmPoolTests : IAsyncLifetime
{
    const int Pool = 6;
    const int Users = 12;
    RedisServer _redis = null!;
    readonly List<int> _userpods = [];

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        // Routers in Redis mode leave assigned userpods running for re-adoption: the test owns their cleanup.
        foreach (var pid in _userpods.Where(Processes.IsAlive))
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Simultaneous_first_requests_on_both_routers_give_each_user_one_process_and_no_process_two_users()
    {
        await using var one = await RouterProcess.StartAsync("--redis", _redis.Configuration, "--warm-pool", Pool.ToString());
        await using var two = await RouterProcess.StartAsync("--redis", _redis.Configuration, "--warm-pool", Pool.ToString());
        foreach (var r in new[] { one, two })
            await Eventually.True(async () => await MetricsText.ReadAsync(r.BaseAddress, "htagkube_warm_pool_pods{state=\"ready\"}") == Pool,
                TimeSpan.FromSeconds(60), "warm pool ready");

        // Every user's first request hits both routers at the same moment, twice each; all users at once.
        var uids = Enumerable.Range(0, Users).Select(_ => UserKey.NewUid()).ToList();
        var clients = uids.Select(u => (One: one.ClientWithUid(u), Two: two.ClientWithUid(u))).ToList();
        var answers = await Task.WhenAll(clients.Select(async c =>
            await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Whoami.GetAsync(i % 2 == 0 ? c.One : c.Two)))));
        lock (_userpods) _userpods.AddRange(answers.SelectMany(a => a.Select(w => w.Pid)).Distinct());

        var pidOfUser = answers.Select(a => Assert.Single(a.Select(w => w.Pid).Distinct())).ToList(); // one process per user
        Assert.Equal(Users, pidOfUser.Distinct().Count()); // no process shared by two users
        Assert.All(answers, a => Assert.Equal(4, a.Max(w => w.Count))); // only this user's 4 requests reached it

        // Each user was provisioned by exactly one router: claims + misses add up to the users, not more.
        double claims = 0, misses = 0;
        foreach (var r in new[] { one, two })
        {
            claims += await MetricsText.ReadAsync(r.BaseAddress, "htagkube_warm_pool_claims_total");
            misses += await MetricsText.ReadAsync(r.BaseAddress, "htagkube_warm_pool_misses_total");
        }
        Assert.Equal(Users, claims + misses);
        Assert.True(claims >= Users / 2, $"only {claims} warm claims for {Users} users over 2 pools of {Pool}");

        // Each process is listed as a session by exactly one router, the one that started it.
        var listed = new List<int>();
        foreach (var r in new[] { one, two })
        {
            using var admin = new HttpClient { BaseAddress = r.BaseAddress };
            using var doc = JsonDocument.Parse(await admin.GetStringAsync("_htagkube/sessions"));
            listed.AddRange(doc.RootElement.EnumerateArray().Select(s => s.GetProperty("pid").GetInt32()));
        }
        Assert.Equal(pidOfUser.Order(), listed.Order());

        // The routes in Redis name these processes too (the claimed route was published as for a cold start).
        foreach (var (c, pid) in clients.Zip(pidOfUser))
        {
            Assert.Equal(pid, (await Whoami.GetAsync(c.Two)).Pid);
            c.One.Dispose();
            c.Two.Dispose();
        }
    }
}
