using HTagKube.Router.Admission;
using HTagKube.Router.Hosting;
using HTagKube.Router.State;
using HTagKube.Routing;
using Microsoft.AspNetCore.DataProtection;

namespace HTagKube.Router.Backend;

/// <summary>
/// Where the router keeps what several routers may share: the route table, session admission, the key ring that
/// seals its cookies and the userpods' durable state documents. Chosen once, at start (<see cref="CreateAsync"/>):
/// <see cref="InMemoryBackend"/> by default, <see cref="RedisBackend"/> with <c>--redis</c>. Nothing else in the router
/// asks which one it runs on.
/// </summary>
public abstract class RouterBackend
{
    /// <summary>Application name of the data-protection key ring (its purpose strings are isolated by it).</summary>
    public const string KeyRingApplication = "htagkube-router";

    /// <summary>The backend's name in logs.</summary>
    public abstract string Name { get; }

    /// <summary>The route table.</summary>
    public abstract IRouteTable Routes { get; }

    /// <summary>
    /// How long the proxy may reuse a route it read (a remote table costs a round trip per request; a stale route is
    /// harmless: a dead endpoint is detected on connect). Zero: always read the table.
    /// </summary>
    public abstract TimeSpan RouteCacheFor { get; }

    /// <summary>The configured backend, connected (Redis: the router starts even while Redis is unreachable).</summary>
    public static async Task<RouterBackend> CreateAsync(RouterOptions options) =>
        options.Redis is null
            ? new InMemoryBackend(new InMemoryRouteTable(options.SweepInterval), options.SweepInterval)
            : new RedisBackend(await RedisRouteTable.ConnectAsync(options.Redis), options.SweepInterval);

    /// <summary>Registers the route table, admission, the key ring and the state store.</summary>
    public void AddTo(IServiceCollection services, AdmissionLimits limits)
    {
        services.AddSingleton(this);
        // Through a factory so the container disposes it, after the provisioner that uses it.
        services.AddSingleton(sp => Start(sp));
        services.AddSingleton(sp => CreateAdmission(sp.GetRequiredService<IRouteTable>(), limits));
        services.AddSingleton(sp => CreateStateStore(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        StoreKeys(services.AddDataProtection().SetApplicationName(KeyRingApplication));
    }

    /// <summary>The route table, once the services it reports to exist.</summary>
    protected virtual IRouteTable Start(IServiceProvider services) => Routes;

    /// <summary>The admission rules on this backend's store.</summary>
    protected abstract ISessionAdmission CreateAdmission(IRouteTable routes, AdmissionLimits limits);

    /// <summary>Where the userpods' durable state documents live.</summary>
    protected abstract IStateStore CreateStateStore(TimeProvider time);

    /// <summary>Where the data-protection keys live.</summary>
    protected abstract void StoreKeys(IDataProtectionBuilder keys);

    /// <summary>Loads (or makes) the key ring before the first request; a shared ring needs it (<see cref="RedisBackend"/>).</summary>
    public virtual Task PrepareKeyRingAsync(IServiceProvider services, CancellationToken ct) => Task.CompletedTask;

    /// <summary>The operator's warm-pod offers, where routers share a store with it (Redis); else null.</summary>
    public virtual Provisioning.WarmPodTaker? WarmPods => null;

    /// <summary>
    /// Whether the key ring is loaded, so the router can seal and open cookies; until then <c>/readyz</c> answers 503 and a
    /// new user a "retry shortly" page.
    /// </summary>
    public virtual bool KeyRingLoaded => true;
}
