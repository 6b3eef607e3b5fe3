using HTagKube.Routing;

namespace HTagKube.Router.Hosting;

/// <summary>In-memory route table by default; Redis with <c>--redis</c> / <c>HTAGKUBE_REDIS</c>.</summary>
public static class RouteTableSelection
{
    /// <summary>Creates (and for Redis, connects) the configured route table.</summary>
    public static async Task<IRouteTable> CreateAsync(RouterOptions options) =>
        options.Redis is null
            ? new InMemoryRouteTable(options.SweepInterval)
            : await RedisRouteTable.ConnectAsync(options.Redis, options.SweepInterval);
}
