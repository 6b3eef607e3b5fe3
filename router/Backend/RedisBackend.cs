using HTagKube.Router.Admission;
using HTagKube.Router.Metrics;
using HTagKube.Router.State;
using HTagKube.Routing;
using Microsoft.AspNetCore.DataProtection;

namespace HTagKube.Router.Backend;

/// <summary>
/// Every router on one Redis shares routes, admission (the cap and the per-client rate hold for all of them), the
/// key ring under <see cref="KeysRedisKey"/>, so a cookie one router sealed opens on every other, and the userpods'
/// state documents (a userpod may reach any router). One multiplexer per
/// process: the route table's. The routes this router publishes are kept in the store (re-published after Redis lost
/// its data) by <see cref="RepublishingRouteTable"/>.
/// </summary>
public sealed class RedisBackend(RedisRouteTable store, TimeSpan sweepInterval) : RouterBackend
{
    readonly RepublishingRouteTable _routes = new(store, sweepInterval);

    /// <summary>Where the data-protection key ring lives in Redis (a secret, like the Redis password).</summary>
    public const string KeysRedisKey = "htagkube:dataprotection-keys";

    /// <inheritdoc />
    public override string Name => "redis";

    /// <inheritdoc />
    public override IRouteTable Routes => _routes;

    /// <inheritdoc />
    public override TimeSpan RouteCacheFor => TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override IRouteTable Start(IServiceProvider services)
    {
        var metrics = services.GetRequiredService<RouterMetrics>();
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("HTagKube.Router.Redis");
        void Report(string message, Exception? error)
        {
            if (error is null) log.LogInformation("{Message}", message);
            else
            {
                metrics.RouteTableError();
                log.LogWarning("{Message}: {Error}", message, error.Message);
            }
        }
        store.Diagnostic += Report;
        _routes.Diagnostic += Report;
        return _routes;
    }

    /// <inheritdoc />
    protected override ISessionAdmission CreateAdmission(IRouteTable table, AdmissionLimits limits) =>
        new RedisSessionAdmission(store.Connection, limits);

    /// <inheritdoc />
    protected override IStateStore CreateStateStore(TimeProvider time) => new RedisStateStore(store.Connection);

    /// <inheritdoc />
    protected override void StoreKeys(IDataProtectionBuilder keys) =>
        keys.PersistKeysToStackExchangeRedis(store.Connection, KeysRedisKey);
}
