using HTagKube.Routing;

namespace HTagKube.Router.Provisioning;

/// <summary>
/// A router's side of the operator's warm-pod offers (<see cref="WarmPodOffers"/>, Kubernetes mode): one taken for a new
/// user, then the user's route to it, written to the route table's store itself (the route is the operator's from then
/// on, like every route in this mode: never in this router's re-publishing table).
/// </summary>
public sealed class WarmPodTaker(WarmPodOffers offers, IRouteTable store)
{
    /// <summary>An offer, or null when none is left or Redis cannot say (the user then waits for the operator as before).</summary>
    public async Task<WarmPodOffer?> TakeAsync(CancellationToken ct)
    {
        try { return await offers.TakeAsync(ct); }
        catch (RouteTableUnavailableException) { return null; }
    }

    /// <summary>Offers a taken pod again (the user it was taken for needs none); if Redis cannot, the operator deletes it.</summary>
    public async Task GiveBackAsync(WarmPodOffer offer, CancellationToken ct)
    {
        try { await offers.OfferAsync(offer, ct); }
        catch (RouteTableUnavailableException) { }
    }

    /// <summary>The user's route to the pod taken for them, as the operator would publish it.</summary>
    public async Task<RouteEntry> RouteAsync(string userKey, WarmPodOffer offer, string session, TimeSpan idle, CancellationToken ct)
    {
        var route = new RouteEntry(offer.Endpoint, session, offer.Token, DateTimeOffset.UtcNow);
        await store.PutAsync(userKey, route, idle, ct);
        return route;
    }
}
