using System.Collections.Concurrent;
using HTagKube.Routing;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;
using StackExchange.Redis;

namespace HTagKube.Router.Tests.RouteTables;

/// <summary>
/// A sweep of <see cref="RepublishingRouteTable"/> racing a Redis data loss and the re-publishing that follows it, each
/// step placed exactly (<see cref="HeldStore"/>, a real redis-server, sweeps driven by the test). A route the sweep saw
/// missing is reported expired (a local-mode router then stops the userpod) only when it was really gone: CI run t2
/// saw two users of one router moved to new userpods after Redis restarted empty.
/// </summary>
public sealed class RepublishingSweepRaceTests : IAsyncLifetime
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);
    readonly ConcurrentQueue<string> _expired = new();
    readonly List<HeldStore.Hold> _holds = [];
    RedisServer _redis = null!;
    ConnectionMultiplexer _raw = null!;
    HeldStore _store = null!;
    RepublishingRouteTable _table = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _raw = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true");
        _store = new HeldStore(await RedisRouteTable.ConnectAsync(_redis.Configuration));
        _table = new RepublishingRouteTable(_store, Timeout.InfiniteTimeSpan); // only the sweeps this test runs
        _table.RouteExpired += _expired.Enqueue;
        await _table.SweepAsync(); // records the epoch
    }

    public async Task DisposeAsync()
    {
        foreach (var hold in _holds) hold.Release();
        await _table.DisposeAsync();
        await _raw.DisposeAsync();
        await _redis.DisposeAsync();
    }

    async Task<(string User, RouteEntry Route)> PublishedAsync()
    {
        var user = UserKey.FromUid(UserKey.NewUid());
        var route = new RouteEntry("127.0.0.1:4000", "test:1", Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero));
        await _table.PutAsync(user, route, Ttl, default);
        return (user, route);
    }

    HeldStore.Hold Held(HeldStore.Hold hold)
    {
        _holds.Add(hold);
        return hold;
    }

    /// <summary>Redis restarted empty, as far as the routes and the epoch are concerned.</summary>
    Task LoseDataAsync() => _raw.GetServer(_raw.GetEndPoints()[0]).FlushAllDatabasesAsync();

    [Fact]
    public async Task A_route_put_before_any_sweep_ran_is_put_back_after_a_data_loss()
    {
        // A table whose background sweep has not run yet (CI run u2: a busy machine delayed its first one past a restart).
        await using var fresh = new RepublishingRouteTable(
            await RedisRouteTable.ConnectAsync(_redis.Configuration), Timeout.InfiniteTimeSpan);
        var user = UserKey.FromUid(UserKey.NewUid());
        var route = new RouteEntry("127.0.0.1:4001", "test:2", Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero));
        await fresh.PutAsync(user, route, Ttl, default);

        await LoseDataAsync();

        Assert.Equal(route, await fresh.GetAsync(user, default));
    }

    Task DeleteBehindOurBackAsync(string user) => _raw.GetDatabase().KeyDeleteAsync(RouteKeys.Route(user));

    /// <summary>Starts a sweep and lets it read <paramref name="user"/>'s TTL after <paramref name="meanwhile"/>.</summary>
    async Task<(Task Sweep, HeldStore.Hold Read)> SweepReadingAfterAsync(string user, Func<Task> meanwhile)
    {
        var read = Held(_store.HoldNextTimeToLive(user));
        var sweep = _table.SweepAsync();
        await read.Asked.Task.WaitAsync(Deadline); // the sweep has looked at the epoch: unchanged
        await meanwhile();
        read.Read.SetResult();
        Assert.Null(await read.Answered.Task.WaitAsync(Deadline)); // and it sees the route missing
        return (sweep, read);
    }

    [Fact]
    public async Task A_request_that_puts_our_routes_back_during_a_sweep_that_saw_them_missing_leaves_every_route_live()
    {
        var (user, route) = await PublishedAsync();
        var (sweep, read) = await SweepReadingAfterAsync(user, LoseDataAsync);

        // A request misses, finds the data loss and puts this router's routes back (its userpod is still running).
        Assert.Equal(route, await _table.GetAsync(user, default));
        read.Return.SetResult();
        await sweep.WaitAsync(Deadline);

        Assert.Empty(_expired);
        Assert.Equal(route, await _table.GetAsync(user, default));
    }

    [Fact]
    public async Task A_data_loss_between_the_sweeps_epoch_check_and_its_read_is_a_data_loss_not_an_expiry()
    {
        var (user, route) = await PublishedAsync();
        var (sweep, read) = await SweepReadingAfterAsync(user, LoseDataAsync);
        read.Return.SetResult();
        await sweep.WaitAsync(Deadline);

        Assert.Empty(_expired);
        Assert.Equal(route, await _store.GetAsync(user, default)); // put back by the sweep itself
    }

    [Fact]
    public async Task A_route_put_again_after_the_sweep_saw_it_missing_is_not_reported_expired()
    {
        var (user, route) = await PublishedAsync();
        var (sweep, read) = await SweepReadingAfterAsync(user, () => DeleteBehindOurBackAsync(user));

        // The router puts the route of its live userpod back (the provisioner does, on a miss).
        await _table.PutAsync(user, route, Ttl, default);
        read.Return.SetResult();
        await sweep.WaitAsync(Deadline);

        Assert.Empty(_expired);
        Assert.Equal(route, await _table.GetAsync(user, default));
    }

    [Fact]
    public async Task A_route_that_vanished_without_a_data_loss_is_reported_expired_once()
    {
        var (user, _) = await PublishedAsync();
        var (sweep, read) = await SweepReadingAfterAsync(user, () => DeleteBehindOurBackAsync(user));
        read.Return.SetResult();
        await sweep.WaitAsync(Deadline);

        Assert.Equal([user], _expired);
        await _table.SweepAsync();
        Assert.Equal([user], _expired);
    }

    [Fact]
    public async Task A_request_that_misses_while_the_sweep_puts_our_routes_back_waits_for_them()
    {
        var (user, route) = await PublishedAsync();
        await LoseDataAsync();
        var put = Held(_store.HoldNextPut(user));
        var sweep = _table.SweepAsync();
        await put.Asked.Task.WaitAsync(Deadline); // the sweep found the data loss and is putting the route back

        var reads = _store.GetsAnswered;
        var request = _table.GetAsync(user, default).AsTask();
        await Eventually.True(() => _store.GetsAnswered > reads, Deadline, "the request's read (a miss) answered");
        put.Release();

        Assert.Equal(route, await request.WaitAsync(Deadline));
        await sweep.WaitAsync(Deadline);
        Assert.Empty(_expired);
    }
}
