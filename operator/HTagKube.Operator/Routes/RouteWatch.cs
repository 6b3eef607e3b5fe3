using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Routing;

namespace HTagKube.Operator.Routes;

/// <summary>
/// While leading, wakes the sessions whose route needs judging by <see cref="SessionRoutes"/> at once rather than at their
/// next periodic re-check: the session of a route that expired (the route table's expiry events), and every session when
/// the route table's epoch changed (it lost its data: their routes are re-published).
/// </summary>
public sealed class RouteWatch(IRouteTable routes, Informer<HTagSession> sessions, EntityController<HTagSession> controller,
    ILogger<RouteWatch> log) : ILeaderWork
{
    static readonly TimeSpan EpochCheck = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public async Task LeadAsync(CancellationToken ct)
    {
        routes.RouteExpired += OnRouteExpired;
        try
        {
            string? seen = null;
            using var timer = new PeriodicTimer(EpochCheck);
            while (await timer.WaitForNextTickAsync(ct))
            {
                string epoch;
                try { epoch = await routes.GetEpochAsync(ct); }
                catch (RouteTableUnavailableException) { continue; } // an outage is not a data loss: look again later
                if (seen is not null && seen != epoch)
                {
                    log.LogInformation("route table epoch changed (it lost its data): re-judging every session");
                    foreach (var s in sessions.List()) controller.Enqueue(s.Metadata.NamespaceProperty, s.Metadata.Name);
                }
                seen = epoch;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            routes.RouteExpired -= OnRouteExpired;
        }
    }

    void OnRouteExpired(string userKey)
    {
        foreach (var s in sessions.List())
            if (s.Spec.UserKey == userKey) controller.Enqueue(s.Metadata.NamespaceProperty, s.Metadata.Name);
    }
}
