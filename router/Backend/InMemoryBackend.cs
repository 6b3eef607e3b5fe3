using HTagKube.Router.Admission;
using HTagKube.Router.State;
using HTagKube.Routing;
using Microsoft.AspNetCore.DataProtection;

namespace HTagKube.Router.Backend;

/// <summary>
/// One router alone (the default, <c>make run</c>): routes, admission, keys and state documents in this process. Its
/// userpods end with it, so its keys do too (ephemeral): no cookie it sealed could reach anything after it. State
/// documents outlive a userpod for their retention, but not the router.
/// </summary>
public sealed class InMemoryBackend(InMemoryRouteTable routes, TimeSpan sweepInterval) : RouterBackend
{
    /// <inheritdoc />
    public override string Name => "in-memory";

    /// <inheritdoc />
    public override IRouteTable Routes => routes;

    /// <inheritdoc />
    public override TimeSpan RouteCacheFor => TimeSpan.Zero;

    /// <inheritdoc />
    protected override ISessionAdmission CreateAdmission(IRouteTable table, AdmissionLimits limits) =>
        new InMemorySessionAdmission(table, limits);

    /// <inheritdoc />
    protected override IStateStore CreateStateStore(TimeProvider time) => new InMemoryStateStore(time, sweepInterval);

    /// <inheritdoc />
    protected override void StoreKeys(IDataProtectionBuilder keys) => keys.UseEphemeralDataProtectionProvider();
}
