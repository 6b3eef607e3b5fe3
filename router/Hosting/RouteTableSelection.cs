using HTagKube.Api.Routing;

namespace HTagKube.Router.Hosting;

/// <summary>In-memory route table by default; Redis with <c>--redis</c> / <c>HTAGKUBE_REDIS</c>.</summary>
public static class RouteTableSelection
{
    /// <summary>Creates the configured route table.</summary>
    public static IRouteTable Create(RouterOptions options, IServiceProvider services)
    {
        if (options.Redis is null) return new InMemoryRouteTable(options.SweepInterval);
        throw new NotSupportedException("Redis route table: not built yet");
    }
}
