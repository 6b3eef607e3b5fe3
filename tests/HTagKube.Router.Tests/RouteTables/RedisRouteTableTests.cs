using System.Collections.Concurrent;
using HTagKube.Routing;
using HTagKube.Router.Tests.Infrastructure;
using StackExchange.Redis;

namespace HTagKube.Router.Tests.RouteTables;

/// <summary>The contract against a real redis-server, plus what only Redis has (schema, sharing, data loss).</summary>
public sealed class RedisRouteTableTests : RouteTableContract
{
    RedisServer _redis = null!;
    readonly List<IAsyncDisposable> _extra = [];

    protected override async Task<IRouteTable> CreateTableAsync()
    {
        _redis = await RedisServer.StartAsync();
        return await RedisRouteTable.ConnectAsync(_redis.Configuration);
    }

    public override async Task DisposeAsync()
    {
        foreach (var d in _extra) await d.DisposeAsync();
        await base.DisposeAsync();
        await _redis.DisposeAsync();
    }

    async Task<IDatabase> RawAsync()
    {
        var mux = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true");
        _extra.Add(new AsyncDisposer(mux.Dispose));
        return mux.GetDatabase();
    }

    sealed class AsyncDisposer(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() { dispose(); return ValueTask.CompletedTask; }
    }

    [Fact]
    public async Task Routes_are_stored_with_the_documented_schema_and_ttl()
    {
        var user = NewUserKey();
        var route = NewRoute(4242);
        await Table.PutAsync(user, route, TimeSpan.FromMinutes(30), default);

        var db = await RawAsync();
        var hash = (await db.HashGetAllAsync("htagkube:route:" + user)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal(["endpoint", "session", "since", "token"], hash.Keys.Order());
        Assert.Equal("127.0.0.1:4242", hash["endpoint"]);
        Assert.Equal(route.Token, hash["token"]);
        Assert.Equal("2026-11-21T08:00:00.0000000Z", hash["since"]);
        var ttl = await db.KeyTimeToLiveAsync("htagkube:route:" + user);
        Assert.InRange(ttl!.Value.TotalMinutes, 29, 30);
        var epoch = await Table.GetEpochAsync(default); // created on first ask, then stable
        Assert.Equal(epoch, (string?)await db.StringGetAsync("htagkube:epoch"));
    }

    [Fact]
    public async Task Expiry_of_a_route_written_by_someone_else_is_reported_through_keyspace_events()
    {
        var expired = new ConcurrentBag<string>();
        Table.RouteExpired += expired.Add;
        var user = NewUserKey();
        var db = await RawAsync(); // the operator, say
        await db.HashSetAsync("htagkube:route:" + user, [new("endpoint", "10.0.0.1:8080"), new("session", "hs-x"), new("token", "t"), new("since", "2026-11-21T08:00:00Z")]);
        await db.KeyExpireAsync("htagkube:route:" + user, TimeSpan.FromMilliseconds(200));
        Assert.NotNull(await Table.GetAsync(user, default));

        await Eventually.True(() => expired.Contains(user), TimeSpan.FromSeconds(10), "keyspace expiry event");
    }

    [Fact]
    public async Task Two_tables_on_one_redis_share_routes_and_locks()
    {
        await using var second = await RedisRouteTable.ConnectAsync(_redis.Configuration);
        var user = NewUserKey();
        var route = NewRoute();
        await Table.PutAsync(user, route, TimeSpan.FromMinutes(1), default);
        Assert.Equal(route, await second.GetAsync(user, default));
        Assert.True(await second.TouchAsync(user, TimeSpan.FromMinutes(2), default));
        Assert.True(await Table.TryLockAsync(user, "one", TimeSpan.FromMinutes(1), default));
        Assert.False(await second.TryLockAsync(user, "two", TimeSpan.FromMinutes(1), default));
        Assert.Equal(await Table.GetEpochAsync(default), await second.GetEpochAsync(default));
    }

    [Fact]
    public async Task After_redis_loses_its_data_the_plain_store_has_no_route_and_a_new_epoch()
    {
        var user = NewUserKey();
        await Table.PutAsync(user, NewRoute(), TimeSpan.FromMinutes(5), default);
        var epoch = await Table.GetEpochAsync(default);

        await _redis.RestartAsync(TimeSpan.FromMilliseconds(300));

        // Re-publishing is the publisher's job (RepublishingRouteTable, the operator's SessionRoutes), not the store's.
        await Eventually.True(async () =>
        {
            try { return await Table.GetEpochAsync(default) != epoch; }
            catch (RouteTableUnavailableException) { return false; }
        }, TimeSpan.FromSeconds(15), "a new epoch after the restart");
        Assert.Null(await Table.GetAsync(user, default));
    }

    [Fact]
    public async Task While_redis_is_down_calls_fail_with_a_clear_exception_not_a_hang()
    {
        var user = NewUserKey();
        await _redis.StopAsync();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<RouteTableUnavailableException>(async () => await Table.GetAsync(user, default));
        await Assert.ThrowsAsync<RouteTableUnavailableException>(() => Table.PutAsync(user, NewRoute(), TimeSpan.FromMinutes(1), default));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }
}
