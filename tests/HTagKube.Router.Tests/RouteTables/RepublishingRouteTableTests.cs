using System.Collections.Concurrent;
using HTagKube.Routing;
using HTagKube.Router.Tests.Infrastructure;
using StackExchange.Redis;

namespace HTagKube.Router.Tests.RouteTables;

/// <summary>
/// The contract through <see cref="RepublishingRouteTable"/> on a real redis-server (how a local-mode router on Redis
/// uses it), plus what it adds: this process's routes come back after a data loss and vanish as expiries.
/// </summary>
public sealed class RepublishingRouteTableTests : RouteTableContract
{
    RedisServer _redis = null!;

    protected override async Task<IRouteTable> CreateTableAsync()
    {
        _redis = await RedisServer.StartAsync();
        return new RepublishingRouteTable(await RedisRouteTable.ConnectAsync(_redis.Configuration), TimeSpan.FromMilliseconds(100));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task After_redis_loses_its_data_our_routes_are_republished_and_not_reported_expired()
    {
        var expired = new ConcurrentBag<string>();
        Table.RouteExpired += expired.Add;
        var user = NewUserKey();
        var route = NewRoute();
        await Table.PutAsync(user, route, TimeSpan.FromMinutes(5), default);
        var epoch = await Table.GetEpochAsync(default);

        await _redis.RestartAsync(TimeSpan.FromMilliseconds(300));

        await Eventually.True(async () =>
        {
            try { return await Table.GetAsync(user, default) == route; }
            catch (RouteTableUnavailableException) { return false; }
        }, TimeSpan.FromSeconds(15), "route back after the restart");
        Assert.NotEqual(epoch, await Table.GetEpochAsync(default));
        var ttl = await Table.TimeToLiveAsync(user, default);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.Empty(expired);
    }

    [Fact]
    public async Task A_route_of_ours_deleted_behind_our_back_is_reported_by_the_sweep()
    {
        var expired = new ConcurrentBag<string>();
        Table.RouteExpired += expired.Add;
        var user = NewUserKey();
        await Table.PutAsync(user, NewRoute(), TimeSpan.FromMinutes(5), default);
        using var raw = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        await raw.GetDatabase().KeyDeleteAsync("htagkube:route:" + user); // no keyspace expiry event for a DEL

        await Eventually.True(() => expired.Contains(user), TimeSpan.FromSeconds(10), "vanished route reported");
        Assert.Single(expired, user);
    }
}
