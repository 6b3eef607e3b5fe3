using HTagKube.Routing;

namespace HTagKube.Router.Hosting;

/// <summary>
/// In-memory route table by default; Redis with <c>--redis</c> / <c>HTAGKUBE_REDIS</c>, where the routes this router
/// publishes are kept (re-published after Redis lost its data) by <see cref="RepublishingRouteTable"/>.
/// </summary>
public static class RouteTableSelection
{
    /// <summary>Creates (and for Redis, connects) the configured route table.</summary>
    public static async Task<IRouteTable> CreateAsync(RouterOptions options) =>
        options.Redis is null
            ? new InMemoryRouteTable(options.SweepInterval)
            : new RepublishingRouteTable(await RedisRouteTable.ConnectAsync(options.Redis), options.SweepInterval);

    /// <summary>The Redis store under a table made by <see cref="CreateAsync"/>; null in memory.</summary>
    public static RedisRouteTable? RedisOf(IRouteTable table) =>
        table as RedisRouteTable ?? (table as RepublishingRouteTable)?.Store as RedisRouteTable;
}
