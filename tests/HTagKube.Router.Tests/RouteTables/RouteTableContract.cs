using System.Collections.Concurrent;
using HTagKube.Routing.Identity;
using HTagKube.Routing;

namespace HTagKube.Router.Tests.RouteTables;

/// <summary>The IRouteTable contract; every implementation runs exactly these tests.</summary>
public abstract class RouteTableContract : IAsyncLifetime
{
    protected IRouteTable Table { get; private set; } = null!;
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>A new, empty table (sweep interval ~100 ms).</summary>
    protected abstract Task<IRouteTable> CreateTableAsync();

    public async Task InitializeAsync() => Table = await CreateTableAsync();
    public virtual async Task DisposeAsync() => await Table.DisposeAsync();

    protected static string NewUserKey() => UserKey.FromUid(UserKey.NewUid());
    protected static RouteEntry NewRoute(int port = 4000) =>
        new($"127.0.0.1:{port}", "local:" + port, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task An_unknown_user_has_no_route()
    {
        Assert.Null(await Table.GetAsync(NewUserKey(), default));
    }

    [Fact]
    public async Task A_published_route_reads_back_field_for_field_and_can_be_replaced()
    {
        var user = NewUserKey();
        var route = NewRoute();
        await Table.PutAsync(user, route, TimeSpan.FromMinutes(1), default);
        Assert.Equal(route, await Table.GetAsync(user, default));

        var replacement = NewRoute(5000);
        await Table.PutAsync(user, replacement, TimeSpan.FromMinutes(1), default);
        Assert.Equal(replacement, await Table.GetAsync(user, default));
    }

    [Fact]
    public async Task The_remaining_ttl_reads_back_and_a_touch_pushes_it()
    {
        var user = NewUserKey();
        Assert.Null(await Table.TimeToLiveAsync(user, default));
        await Table.PutAsync(user, NewRoute(), TimeSpan.FromMinutes(1), default);
        var left = await Table.TimeToLiveAsync(user, default);
        Assert.InRange(left!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.True(await Table.TouchAsync(user, TimeSpan.FromMinutes(10), default));
        Assert.InRange((await Table.TimeToLiveAsync(user, default))!.Value, TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        await Table.RemoveAsync(user, null, default);
        Assert.Null(await Table.TimeToLiveAsync(user, default));
    }

    [Fact]
    public async Task A_route_expires_after_its_ttl_and_the_expiry_is_reported()
    {
        var expired = new ConcurrentBag<string>();
        Table.RouteExpired += expired.Add;
        var user = NewUserKey();
        var other = NewUserKey();
        await Table.PutAsync(user, NewRoute(), TimeSpan.FromMilliseconds(300), default);
        await Table.PutAsync(other, NewRoute(), TimeSpan.FromMinutes(1), default);

        await Eventually.True(() => expired.Contains(user), Deadline, "expiry reported");
        Assert.Null(await Table.GetAsync(user, default));
        Assert.NotNull(await Table.GetAsync(other, default));
        Assert.DoesNotContain(other, expired);
    }

    [Fact]
    public async Task Touch_pushes_the_expiry_back()
    {
        var user = NewUserKey();
        // Touched for twice its TTL; the TTL leaves a loaded machine over a second of slack between touches.
        var ttl = TimeSpan.FromMilliseconds(1500);
        await Table.PutAsync(user, NewRoute(), ttl, default);
        var until = DateTime.UtcNow + 2 * ttl;
        while (DateTime.UtcNow < until)
        {
            Assert.True(await Table.TouchAsync(user, ttl, default));
            await Task.Delay(200); // activity pacing
        }
        Assert.NotNull(await Table.GetAsync(user, default));
        await Eventually.True(async () => await Table.GetAsync(user, default) is null, Deadline, "expires once touches stop");
    }

    [Fact]
    public async Task Touching_a_missing_route_says_so_and_creates_nothing()
    {
        var user = NewUserKey();
        Assert.False(await Table.TouchAsync(user, TimeSpan.FromMinutes(1), default));
        Assert.Null(await Table.GetAsync(user, default));
    }

    [Fact]
    public async Task Conditional_remove_only_removes_the_route_it_names_and_is_not_an_expiry()
    {
        var expired = new ConcurrentBag<string>();
        Table.RouteExpired += expired.Add;
        var user = NewUserKey();
        var route = NewRoute(4100);
        await Table.PutAsync(user, route, TimeSpan.FromMinutes(1), default);

        Assert.False(await Table.RemoveAsync(user, "127.0.0.1:9", default));
        Assert.Equal(route, await Table.GetAsync(user, default));
        Assert.True(await Table.RemoveAsync(user, route.Endpoint, default));
        Assert.Null(await Table.GetAsync(user, default));
        Assert.False(await Table.RemoveAsync(user, null, default));

        // A later sweep must not report our own removal.
        var probe = NewUserKey();
        await Table.PutAsync(probe, NewRoute(), TimeSpan.FromMilliseconds(200), default);
        await Eventually.True(() => expired.Contains(probe), Deadline, "a later expiry is reported");
        Assert.DoesNotContain(user, expired);
    }

    [Fact]
    public async Task The_provisioning_lock_is_exclusive_until_released_or_its_lease_ends()
    {
        var user = NewUserKey();
        Assert.True(await Table.TryLockAsync(user, "a", TimeSpan.FromMinutes(1), default));
        Assert.False(await Table.TryLockAsync(user, "b", TimeSpan.FromMinutes(1), default));
        await Table.UnlockAsync(user, "b", default); // not the holder: no effect
        Assert.False(await Table.TryLockAsync(user, "b", TimeSpan.FromMinutes(1), default));
        await Table.UnlockAsync(user, "a", default);
        Assert.True(await Table.TryLockAsync(user, "b", TimeSpan.FromMilliseconds(200), default));
        await Eventually.True(async () => await Table.TryLockAsync(user, "c", TimeSpan.FromMinutes(1), default), Deadline, "lease ends");
    }

    [Fact]
    public async Task Racing_lockers_get_exactly_one_lock()
    {
        var user = NewUserKey();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Table.TryLockAsync(user, "owner" + i, TimeSpan.FromMinutes(1), default)));
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task The_epoch_is_stable_while_the_store_keeps_its_data()
    {
        var first = await Table.GetEpochAsync(default);
        Assert.False(string.IsNullOrEmpty(first));
        Assert.Equal(first, await Table.GetEpochAsync(default));
    }

    [Fact]
    public async Task Listing_returns_the_live_routes()
    {
        var users = Enumerable.Range(0, 3).Select(_ => NewUserKey()).ToList();
        foreach (var u in users) await Table.PutAsync(u, NewRoute(), TimeSpan.FromMinutes(1), default);
        var gone = NewUserKey();
        await Table.PutAsync(gone, NewRoute(), TimeSpan.FromMinutes(1), default);
        await Table.RemoveAsync(gone, null, default);

        var listed = new List<string>();
        await foreach (var (key, _) in Table.ListAsync(default)) listed.Add(key);
        Assert.All(users, u => Assert.Contains(u, listed));
        Assert.DoesNotContain(gone, listed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-key")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    public async Task Only_a_user_key_can_name_a_route(string bad)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Table.PutAsync(bad, NewRoute(), TimeSpan.FromMinutes(1), default));
    }
}
