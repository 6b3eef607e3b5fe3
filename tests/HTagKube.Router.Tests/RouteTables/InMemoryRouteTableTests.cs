using HTagKube.Routing;

namespace HTagKube.Router.Tests.RouteTables;

public sealed class InMemoryRouteTableTests : RouteTableContract
{
    protected override Task<IRouteTable> CreateTableAsync() =>
        Task.FromResult<IRouteTable>(new InMemoryRouteTable(TimeSpan.FromMilliseconds(100)));
}
