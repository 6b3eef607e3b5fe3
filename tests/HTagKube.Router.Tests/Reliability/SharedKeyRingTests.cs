using HTagKube.Router.Backend;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Contract;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Tests.Reliability;

/// <summary>
/// Routers started together on one Redis share ONE data-protection key. They used to make a key each at their first
/// request; a router reloads its ring for an unknown key only in its first 2 minutes, so later it refused the other's
/// cookies and their users got new sessions (the cluster bench, 2026-12-07: 9 of 30 users after a fresh install).
/// </summary>
public sealed class SharedKeyRingTests : IAsyncLifetime
{
    RedisServer _redis = null!;
    RouterHost[] _routers = [];

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var r in _routers) await r.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>Three routers on the test's Redis, started together; the class stops them, whatever the test's end.</summary>
    async Task<RouterHost[]> StartRoutersAsync() =>
        _routers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RouterHost.StartAsync("--redis", _redis.Configuration)));

    [Fact]
    public async Task Routers_started_together_seal_with_one_key_and_open_each_others_cookies()
    {
        await SealTogetherWithOneKeyAsync(await StartRoutersAsync());
    }

    [Fact]
    public async Task Routers_started_before_their_redis_share_one_key_once_it_is_up()
    {
        // A fresh install: the routers start beside Redis, which answers a moment later.
        await _redis.StopAsync();
        var routers = await StartRoutersAsync();
        using (var http = routers[0].NewClient())
        using (var ready = await http.GetAsync(UserpodProtocol.ReadyPath))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("key ring not loaded\n", await ready.Content.ReadAsStringAsync());
        }
        await _redis.RestartAsync(TimeSpan.Zero);
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.Configuration))
        {
            await Eventually.True(async () => await redis.GetDatabase().ListLengthAsync(RedisBackend.KeysRedisKey) > 0,
                TimeSpan.FromSeconds(30), "a key ring in Redis, loaded by the routers on their own");
        }
        // Each router loads it on its own retry, after its own reconnect: /readyz says when, as it tells Kubernetes.
        foreach (var r in routers)
        {
            using var http = r.NewClient();
            await Eventually.True(async () =>
            {
                using var ready = await http.GetAsync(UserpodProtocol.ReadyPath);
                return ready.IsSuccessStatusCode;
            }, TimeSpan.FromSeconds(30), "every router ready, its key ring loaded");
        }
        await SealTogetherWithOneKeyAsync(routers);
    }

    async Task SealTogetherWithOneKeyAsync(RouterHost[] routers)
    {
        // Each router's first seal at the same moment: the instant that used to make a key per router.
        var uids = routers.Select(_ => UserKey.NewUid()).ToArray();
        var sealedBy = await Task.WhenAll(routers.Select((r, i) => Task.Run(() => r.Uids.Seal(uids[i]))));

        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var ring = await redis.GetDatabase().ListRangeAsync(RedisBackend.KeysRedisKey);
        Assert.Single(ring);
        for (var i = 0; i < routers.Length; i++)
            foreach (var other in routers)
                Assert.Equal(uids[i], other.Uids.Open(sealedBy[i]));
    }
}
