using HTagKube.Router.Admission;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing;
using StackExchange.Redis;

namespace HTagKube.Router.Tests.Admission;

/// <summary>The contract on a real redis-server, plus what only Redis has: several routers, the documented keys.</summary>
public sealed class RedisSessionAdmissionTests : SessionAdmissionContract
{
    RedisServer _redis = null!;
    readonly List<IConnectionMultiplexer> _connections = [];

    protected override async Task<IRouteTable> CreateTableAsync()
    {
        _redis = await RedisServer.StartAsync();
        return await RedisRouteTable.ConnectAsync(_redis.Configuration);
    }

    protected override async Task<ISessionAdmission> CreateAdmissionAsync(AdmissionLimits limits) =>
        new RedisSessionAdmission(await ConnectAsync(), limits);

    async Task<IConnectionMultiplexer> ConnectAsync()
    {
        var mux = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        _connections.Add(mux);
        return mux;
    }

    public override async Task DisposeAsync()
    {
        foreach (var c in _connections) await c.DisposeAsync();
        await base.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Three_routers_bursting_at_once_admit_exactly_the_cap_between_them()
    {
        var limits = new AdmissionLimits(Cap, 1000, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var routers = new[] { await CreateAdmissionAsync(limits), await CreateAdmissionAsync(limits), await CreateAdmissionAsync(limits) };
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Task.Run(() => routers[i % 3].AdmitAsync(NewUser(), Client(i), default))));
        Assert.Equal(Cap, results.Count(r => r == AdmissionResult.Admitted));
    }

    [Fact]
    public async Task Admission_keeps_the_documented_keys_a_hash_of_the_client_and_never_its_address()
    {
        var admission = await CreateAdmissionAsync(new AdmissionLimits(Cap, 5, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)));
        var user = NewUser();
        Assert.Equal(AdmissionResult.Admitted, await admission.AdmitAsync(user, Client(42), default));

        var db = (await ConnectAsync()).GetDatabase();
        Assert.Equal(RedisType.SortedSet, await db.KeyTypeAsync("htagkube:sessions"));
        var reservationEnd = DateTimeOffset.FromUnixTimeMilliseconds((long)(await db.SortedSetScoreAsync("htagkube:sessions", user))!.Value);
        Assert.InRange(reservationEnd - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(3));
        var rateKey = "htagkube:rate:" + Client(42);
        Assert.Equal(1, (long)await db.StringGetAsync(rateKey));
        Assert.InRange((await db.KeyTimeToLiveAsync(rateKey))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        var server = (await ConnectAsync()).GetServers().Single();
        Assert.DoesNotContain(server.Keys(pattern: "*"), k => k.ToString().Contains("203.0.113"));
    }

    [Fact]
    public async Task Redis_down_is_reported_as_unavailable_not_as_a_decision()
    {
        var admission = await CreateAdmissionAsync(new AdmissionLimits(Cap, 5, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));
        await _redis.StopAsync();
        await Assert.ThrowsAsync<RouteTableUnavailableException>(() => admission.AdmitAsync(NewUser(), Client(1), default));
    }
}
