using HTagKube.Router.Admission;
using HTagKube.Router.Metrics;
using HTagKube.Router.State;
using HTagKube.Routing;
using HTagKube.Router.Identity;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

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

    /// <summary>Held by the router making or loading the key ring at its start (<see cref="PrepareKeyRingAsync"/>).</summary>
    public const string KeysLockRedisKey = "htagkube:dataprotection-keys:lock";

    /// <summary>How long a start waits for another router's hold on <see cref="KeysLockRedisKey"/>, and the hold's expiry.</summary>
    static readonly TimeSpan KeyRingLockWait = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public override string Name => "redis";

    /// <inheritdoc />
    public override IRouteTable Routes => _routes;

    /// <inheritdoc />
    public override TimeSpan RouteCacheFor => TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public override Provisioning.WarmPodTaker WarmPods { get; } = new(new WarmPodOffers(store.Connection), store);

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

    /// <summary>
    /// Loads the key ring under a Redis lock, so exactly one router makes its key and every other reads that one. Routers
    /// started together used to make a key each at their first request; a router caches its ring for up to a day and
    /// reloads it for an unknown key only in its first 2 minutes, so afterwards it refused the cookies the other router
    /// sealed, and a user whose requests reached both got a new session (the cluster bench of 2026-12-07: 9 of 30 users).
    /// With Redis unreachable at start (a fresh install starts Redis beside the routers) it goes on trying in the
    /// background until it loads, which is before any cookie can be sealed (sealing needs Redis too).
    /// </summary>
    public override async Task PrepareKeyRingAsync(IServiceProvider services, CancellationToken ct)
    {
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("HTagKube.Router.Redis");
        if (await TryLoadKeyRingAsync(services, log, ct)) return;
        log.LogWarning("key ring not loaded at start (Redis unreachable); trying again until it loads");
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        _ = Task.Run(async () =>
        {
            try
            {
                do await Task.Delay(KeyRingRetry, stopping); // Redis offers no event for "reachable again"
                while (!await TryLoadKeyRingAsync(services, log, stopping));
                log.LogInformation("key ring loaded");
            }
            // The router stops; or it was disposed without ever starting (its services, Redis among them, are gone).
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { }
        }, CancellationToken.None);
    }

    static readonly TimeSpan KeyRingRetry = TimeSpan.FromMilliseconds(500);

    volatile bool _keyRingLoaded;

    /// <inheritdoc />
    public override bool KeyRingLoaded => _keyRingLoaded;

    /// <summary>One load under the lock; false when Redis could not be reached.</summary>
    async Task<bool> TryLoadKeyRingAsync(IServiceProvider services, ILogger log, CancellationToken ct)
    {
        var db = store.Connection.GetDatabase();
        var holder = Guid.NewGuid().ToString("N");
        var deadline = DateTime.UtcNow + KeyRingLockWait;
        try
        {
            while (!await db.LockTakeAsync(KeysLockRedisKey, holder, KeyRingLockWait))
            {
                if (DateTime.UtcNow > deadline)
                {
                    log.LogWarning("key ring: another router held its lock for {Seconds} s; loading it without",
                        KeyRingLockWait.TotalSeconds);
                    break;
                }
                await Task.Delay(50, ct); // another router loads the ring: a few Redis round trips
            }
            // The first protection loads the ring, and makes its key if it has no usable one.
            services.GetRequiredService<IDataProtectionProvider>().CreateProtector(UidSeal.Purpose).Protect("key ring check"u8.ToArray());
            _keyRingLoaded = true;
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidOperationException
                                       or System.Security.Cryptography.CryptographicException)
        {
            log.LogDebug("key ring not loaded: {Error}", e.Message);
            return false;
        }
        finally
        {
            try { await db.LockReleaseAsync(KeysLockRedisKey, holder); }
            catch (RedisException) { } // unreachable: the hold expires by itself
        }
    }
}
