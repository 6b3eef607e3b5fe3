using HTagKube.Api.Routing;
using StackExchange.Redis;

namespace HTagKube.Operator.Routes;

/// <summary>How long a route has left before its idle TTL expires (the router pushes it on user activity).</summary>
public interface IRouteActivity
{
    Task<TimeSpan?> RemainingAsync(string userKey, CancellationToken ct);
}

public sealed class RedisRouteActivity(IConnectionMultiplexer redis) : IRouteActivity
{
    public async Task<TimeSpan?> RemainingAsync(string userKey, CancellationToken ct)
    {
        try { return await redis.GetDatabase().KeyTimeToLiveAsync(RouteKeys.Route(userKey)).WaitAsync(ct); }
        catch (RedisException e) { throw new RouteTableUnavailableException("redis: " + e.Message, e); }
    }
}
