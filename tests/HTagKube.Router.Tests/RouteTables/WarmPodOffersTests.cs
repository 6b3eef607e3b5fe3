using System.Collections.Concurrent;
using HTagKube.Routing;
using HTagKube.Router.Tests.Infrastructure;
using StackExchange.Redis;

namespace HTagKube.Router.Tests.RouteTables;

/// <summary>
/// The operator's warm-pod offers in a real redis-server: routers racing for them each get a different pod, and an offer
/// the operator can still withdraw was taken by nobody.
/// </summary>
public sealed class WarmPodOffersTests : IAsyncLifetime
{
    RedisServer _redis = null!;
    ConnectionMultiplexer _mux = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _redis.DisposeAsync();
    }

    static WarmPodOffer Offer(int i) => new($"hw-{i:x10}", $"10.0.0.{i}:8080", $"token-{i}");

    [Fact]
    public async Task Routers_racing_for_the_offers_each_get_a_different_pod_whole_and_then_none()
    {
        var operatorSide = new WarmPodOffers(_mux);
        var offered = Enumerable.Range(1, 20).Select(Offer).ToList();
        foreach (var o in offered) await operatorSide.OfferAsync(o, default);

        // 8 routers (each its own connection) take 40 times together.
        var routers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ConnectionMultiplexer.ConnectAsync(_redis.Configuration)));
        try
        {
            var taken = new ConcurrentBag<WarmPodOffer?>();
            await Task.WhenAll(routers.SelectMany(r => Enumerable.Range(0, 5).Select(async _ => taken.Add(await new WarmPodOffers(r).TakeAsync(default)))));

            Assert.Equal(offered.OrderBy(o => o.Pod), taken.OfType<WarmPodOffer>().OrderBy(o => o.Pod)); // each once, whole
            Assert.Equal(20, taken.Count(t => t is null));
            Assert.Empty(await operatorSide.OfferedAsync(default));
        }
        finally
        {
            foreach (var r in routers) await r.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_offer_withdraws_while_no_router_took_it_and_a_taken_one_does_not()
    {
        var offers = new WarmPodOffers(_mux);
        await offers.OfferAsync(Offer(1), default);
        await offers.OfferAsync(Offer(2), default);
        Assert.Equal(["hw-0000000001", "hw-0000000002"], (await offers.OfferedAsync(default)).Order());

        Assert.True(await offers.WithdrawAsync("hw-0000000001", default));
        Assert.Equal(Offer(2), await offers.TakeAsync(default));
        Assert.False(await offers.WithdrawAsync("hw-0000000002", default));
        Assert.Null(await offers.TakeAsync(default));

        await offers.OfferAsync(Offer(2), default); // given back by a router whose user had a session
        Assert.Equal(Offer(2), await offers.TakeAsync(default));
    }

    [Fact]
    public async Task Redis_down_is_the_route_tables_unavailability_never_a_crash()
    {
        var offers = new WarmPodOffers(_mux);
        await _redis.StopAsync();
        await Assert.ThrowsAsync<RouteTableUnavailableException>(() => offers.TakeAsync(default));
        await Assert.ThrowsAsync<RouteTableUnavailableException>(() => offers.OfferAsync(Offer(1), default));
    }
}
