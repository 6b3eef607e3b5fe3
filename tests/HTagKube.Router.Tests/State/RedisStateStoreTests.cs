using HTagKube.Router.State;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing;
using StackExchange.Redis;

namespace HTagKube.Router.Tests.State;

/// <summary>The contract against a real redis-server, plus the documented key and its TTL (the retention).</summary>
public sealed class RedisStateStoreTests : StateStoreContract
{
    RedisServer _redis = null!;
    ConnectionMultiplexer _mux = null!;

    protected override async Task<IStateStore> CreateStoreAsync()
    {
        _redis = await RedisServer.StartAsync();
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        return new RedisStateStore(_mux);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _mux.DisposeAsync();
        await _redis.DisposeAsync();
    }

    IDatabase Db => _mux.GetDatabase();

    [Fact]
    public async Task A_document_is_a_string_under_the_documented_key_with_the_retention_as_ttl()
    {
        var user = NewUserKey();
        await Store.PutAsync(user, Doc("""{"a":1}"""), TimeSpan.FromMinutes(30), default);

        Assert.Equal("htagkube:state:" + user, RouteKeys.State(user));
        Assert.Equal("""{"a":1}""", (string?)await Db.StringGetAsync("htagkube:state:" + user));
        var ttl = await Db.KeyTimeToLiveAsync("htagkube:state:" + user);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task A_read_refreshes_the_ttl_to_the_retention()
    {
        var user = NewUserKey();
        await Store.PutAsync(user, Doc("{}"), TimeSpan.FromMinutes(1), default);
        Assert.InRange((await Db.KeyTimeToLiveAsync(RouteKeys.State(user)))!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(1));

        Assert.NotNull(await Store.GetAsync(user, TimeSpan.FromHours(2), default));
        var ttl = (await Db.KeyTimeToLiveAsync(RouteKeys.State(user)))!.Value;
        Assert.InRange(ttl, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task A_touch_pushes_the_ttl_of_a_kept_document_and_makes_none_of_a_missing_one()
    {
        var user = NewUserKey();
        await Store.PutAsync(user, Doc("{}"), TimeSpan.FromMinutes(1), default);
        await Store.TouchAsync(user, TimeSpan.FromHours(2), default);
        var ttl = (await Db.KeyTimeToLiveAsync(RouteKeys.State(user)))!.Value;
        Assert.InRange(ttl, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));

        var nobody = NewUserKey();
        await Store.TouchAsync(nobody, TimeSpan.FromHours(2), default);
        Assert.False(await Db.KeyExistsAsync(RouteKeys.State(nobody)));
    }

    [Fact]
    public async Task Redis_forgets_a_document_after_its_retention()
    {
        var user = NewUserKey();
        await Store.PutAsync(user, Doc("{}"), TimeSpan.FromMilliseconds(300), default);
        await Eventually.True(async () => !await Db.KeyExistsAsync(RouteKeys.State(user)), TimeSpan.FromSeconds(10), "the key expired");
        Assert.Null(await Store.GetAsync(user, TimeSpan.FromMinutes(1), default));
    }

    [Fact]
    public async Task An_unreachable_redis_is_reported_as_unavailable_not_a_crash()
    {
        await _redis.StopAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAsync<RouteTableUnavailableException>(() => Store.GetAsync(NewUserKey(), Retention, cts.Token));
    }
}
