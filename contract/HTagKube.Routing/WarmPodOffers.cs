using StackExchange.Redis;

namespace HTagKube.Routing;

/// <summary>A Ready warm pod a router may take for a new user: the pod, where it listens and its token.</summary>
public sealed record WarmPodOffer(string Pod, string Endpoint, string Token);

/// <summary>
/// The warm pods the operator offers routers (<see cref="RouteKeys.WarmOffers"/>, docs/design.md §5), so a new user's
/// first page waits for no API write of the operator's: a router takes an offer (one atomic step: of routers racing, one
/// gets each pod), creates the user's HTagSession naming the pod and publishes the route itself; the operator then hands
/// the pod to that session. The operator withdraws an offer before it uses or deletes the pod, and an offer it can no
/// longer withdraw was taken. Every call fails as the route table's do (<see cref="RouteTableUnavailableException"/>).
/// </summary>
public sealed class WarmPodOffers(IConnectionMultiplexer redis)
{
    // A random offer, removed in the same step. HRANDFIELD (Redis 6.2+) is allowed in scripts under effects replication,
    // the default since Redis 5.
    const string TakeScript = """
        local pod = redis.call('HRANDFIELD', KEYS[1])
        if not pod then return false end
        local offer = redis.call('HGET', KEYS[1], pod)
        redis.call('HDEL', KEYS[1], pod)
        return {pod, offer}
        """;

    IDatabase Db => redis.GetDatabase();

    /// <summary>Offers a Ready warm pod (again: the same offer is idempotent).</summary>
    public Task OfferAsync(WarmPodOffer offer, CancellationToken ct) =>
        RedisCalls.Run(() => Db.HashSetAsync(RouteKeys.WarmOffers, offer.Pod, offer.Endpoint + " " + offer.Token).WaitAsync(ct));

    /// <summary>Withdraws the pod's offer: true when it was still offered (no router took it), false when it was not.</summary>
    public Task<bool> WithdrawAsync(string pod, CancellationToken ct) =>
        RedisCalls.Run(() => Db.HashDeleteAsync(RouteKeys.WarmOffers, pod).WaitAsync(ct));

    /// <summary>The pods offered now.</summary>
    public async Task<IReadOnlySet<string>> OfferedAsync(CancellationToken ct) =>
        (await RedisCalls.Run(() => Db.HashKeysAsync(RouteKeys.WarmOffers).WaitAsync(ct))).Select(k => k.ToString()).ToHashSet();

    /// <summary>Takes one offer (which one is random: routers racing start at different pods), or null when none is left.</summary>
    public async Task<WarmPodOffer?> TakeAsync(CancellationToken ct)
    {
        var taken = await RedisCalls.Run(() => Db.ScriptEvaluateAsync(TakeScript, [RouteKeys.WarmOffers]).WaitAsync(ct));
        if (taken.IsNull || taken.Resp2Type != ResultType.Array) return null;
        var parts = (RedisResult[])taken!;
        var value = parts[1].ToString();
        var space = value.IndexOf(' ');
        // Written only by OfferAsync; anything else is not an offer to use.
        return space <= 0 || space == value.Length - 1 ? null : new WarmPodOffer(parts[0].ToString(), value[..space], value[(space + 1)..]);
    }
}
