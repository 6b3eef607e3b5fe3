using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using HTagKube.Routing;
using HTagKube.Router.Hosting;
using HTagKube.Router.Metrics;

namespace HTagKube.Router.Provisioning;

/// <summary>
/// Local mode: one userpod process per user on this machine. Single-flight per user inside the router and a
/// route-table lock across routers, so one user never gets two processes. Stops a process when its route
/// expires or it is ended; its exit removes its route.
/// </summary>
public sealed class LocalProcessProvisioner : ISessionProvisioner
{
    internal static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    readonly IRouteTable _table;
    readonly RouterOptions _options;
    readonly UserpodLauncher _launcher;
    readonly RouterMetrics _metrics;
    readonly ILogger _log;
    readonly string _instance = Guid.NewGuid().ToString("N");
    readonly ConcurrentDictionary<string, UserpodProcess> _sessions = new(StringComparer.Ordinal);
    readonly SingleFlight<RouteEntry> _starting = new();
    readonly BackgroundWork _work;
    readonly StartGate _gate;
    readonly InFlight _inFlight = new();
    readonly LocalWarmPool _warm;

    /// <summary>Creates the provisioner (route expiry reaches it through <see cref="RouteExpiredAsync"/>).</summary>
    public LocalProcessProvisioner(IRouteTable table, RouterOptions options, UserpodLauncher launcher,
        RouterMetrics metrics, ILogger<LocalProcessProvisioner> log)
    {
        _table = table;
        _options = options;
        _launcher = launcher;
        _metrics = metrics;
        _log = log;
        _work = new BackgroundWork(log);
        _gate = new StartGate(Math.Max(1, options.MaxStarting == 0 ? Environment.ProcessorCount : options.MaxStarting));
        _warm = new LocalWarmPool(options, launcher, _gate, _inFlight, metrics, log, _work);
        var meter = metrics.Meter;
        meter.CreateObservableGauge("live_sessions", () => LiveSessions, null, "Userpods this router runs now.");
        meter.CreateObservableGauge("starts_waiting", () => StartsWaiting, null,
            "New users waiting for a userpod start slot (--max-starting).");
        meter.CreateObservableGauge("warm_pool_pods", () => new[]
        {
            new Measurement<int>(_warm.Ready, new KeyValuePair<string, object?>("state", "ready")),
            new Measurement<int>(_warm.Starting, new KeyValuePair<string, object?>("state", "starting")),
        }, null, "Warm userpods by state: ready (healthy, unassigned) or starting (as the operator's warm pods).");
        meter.CreateObservableGauge("warm_pool_target", () => options.WarmPool, null, "Configured warm pool size (--warm-pool).");
        metrics.EnableWarmPool();
    }

    /// <inheritdoc />
    public int LiveSessions => _sessions.Count + _starting.Count;

    /// <inheritdoc />
    public bool IsStarting(string userKey) => _starting.IsRunning(userKey);

    /// <summary>The live session of a user on this router, if any (tests and diagnostics).</summary>
    public UserpodProcess? Find(string userKey) => _sessions.TryGetValue(userKey, out var s) ? s : null;

    /// <inheritdoc />
    /// <remarks>A local userpod has no place for a display name: the router's own listing shows userKeys.</remarks>
    public Task<RouteEntry> EnsureSessionAsync(string userKey, string? displayName, CancellationToken ct) =>
        _starting.RunAsync(userKey, key => ProvisionAsync(key, _work.Stopping));

    async Task<RouteEntry> ProvisionAsync(string userKey, CancellationToken ct)
    {
        try
        {
            // A process of ours still runs (its route vanished, e.g. Redis lost its data): re-publish, do not respawn.
            if (_sessions.TryGetValue(userKey, out var mine) && mine.IsAlive)
            {
                await _table.PutAsync(userKey, mine.Route, _options.IdleTimeout, ct);
                return mine.Route;
            }
            if (await _table.GetAsync(userKey, ct) is { } published) return published;

            var deadline = Stopwatch.StartNew();
            var lease = _options.SpawnTimeout + TimeSpan.FromSeconds(5);
            var wait = 20;
            while (!await _table.TryLockAsync(userKey, _instance, lease, ct))
            {
                // Another router is starting this user's userpod: wait for its route.
                if (await _table.GetAsync(userKey, ct) is { } theirs) return theirs;
                if (deadline.Elapsed > lease) throw new ProvisioningException("another router holds the start lock too long");
                await Task.Delay(wait, ct);
                wait = Math.Min(wait * 2, 200);
            }
            try
            {
                if (await _table.GetAsync(userKey, ct) is { } raced) return raced;
                return await SpawnAsync(userKey, ct);
            }
            finally
            {
                try { await _table.UnlockAsync(userKey, _instance, CancellationToken.None); }
                catch (RouteTableUnavailableException) { /* the lock lease expires by itself */ }
            }
        }
        catch (RouteTableUnavailableException e)
        {
            _metrics.RouteTableError();
            throw new ProvisioningException("route table unavailable", e);
        }
    }

    async Task<RouteEntry> SpawnAsync(string userKey, CancellationToken ct)
    {
        using var busy = _inFlight.Enter();
        var sw = Stopwatch.StartNew();
        UserpodProcess? session = _warm.TryClaim(userKey);
        var warm = session is not null;
        if (session is null)
        {
            try
            {
                using var slot = await _gate.EnterAsync(forUser: true, ct);
                // A refill may have finished while this user waited for a slot.
                session = _warm.TryClaim(userKey);
                warm = session is not null;
                if (session is null)
                {
                    _warm.CountMiss();
                    session = await _launcher.StartAsync(userKey, _options.SpawnTimeout, ct);
                }
            }
            catch (ProvisioningException e)
            {
                _metrics.SpawnFailed();
                _log.LogError("userpod start failed for {UserKey}: {Reason}", userKey, e.Message);
                throw;
            }
        }
        try
        {
            await _table.PutAsync(userKey, session.Route, _options.IdleTimeout, ct);
        }
        catch
        {
            // Unpublished processes would be orphans nobody can reach: stop it.
            await session.StopAsync(StopGrace);
            session.Dispose();
            throw;
        }
        if (_options.KeepUserpods) await session.KeepAfterRouterExitAsync(ct); // published: the next router can adopt it
        _sessions[userKey] = session;
        Watch(session);
        _metrics.SessionStarted(sw.Elapsed);
        _log.LogInformation("userpod {How} for {UserKey}: pid {Pid} at {Endpoint} in {Ms} ms",
            warm ? "taken from the warm pool" : "started", userKey, session.Pid, session.Route.Endpoint, sw.ElapsedMilliseconds);
        return session.Route;
    }

    /// <summary>Warm userpods ready now (not counted as sessions).</summary>
    public int WarmPoolSize => _warm.Ready;

    /// <summary>New users waiting for a start slot now (<c>--max-starting</c>).</summary>
    public int StartsWaiting => _gate.UsersWaiting;

    /// <summary>Pids of the warm userpods ready now (tests and diagnostics).</summary>
    public IReadOnlyList<int> WarmPids => _warm.Pids;

    /// <summary>Starts filling the warm pool (<see cref="LocalWarmPool.RefillAsync"/>), as work this provisioner owns.</summary>
    public void StartWarmPool() => _work.Run("warm pool fill", _ => _warm.RefillAsync());

    void Watch(UserpodProcess session) => _work.Run("userpod exit watch", ct => WatchExitAsync(session, ct));

    async Task WatchExitAsync(UserpodProcess session, CancellationToken ct)
    {
        await session.Exited.WaitAsync(ct);
        await session.OutputDrainedAsync();
        if (!_sessions.TryRemove(new KeyValuePair<string, UserpodProcess>(session.UserKey, session))) return; // stopped on purpose
        _log.LogWarning("userpod of {UserKey} (pid {Pid}) exited with code {Code}; route removed",
            session.UserKey, session.Pid, session.ExitCode);
        try { await _table.RemoveAsync(session.UserKey, session.Route.Endpoint, CancellationToken.None); }
        catch (RouteTableUnavailableException) { _metrics.RouteTableError(); }
        session.Dispose();
    }

    /// <inheritdoc />
    public Task RouteExpiredAsync(string userKey, CancellationToken ct) => StopAsync(userKey, "idle timeout", removeRoute: false);

    async Task<bool> StopAsync(string userKey, string reason, bool removeRoute)
    {
        if (!_sessions.TryRemove(userKey, out var session)) return false;
        _log.LogInformation("stopping userpod of {UserKey} (pid {Pid}): {Reason}", userKey, session.Pid, reason);
        if (removeRoute)
        {
            try { await _table.RemoveAsync(userKey, session.Route.Endpoint, CancellationToken.None); }
            catch (RouteTableUnavailableException) { _metrics.RouteTableError(); }
        }
        await session.StopAsync(StopGrace);
        session.Dispose();
        return true;
    }

    /// <inheritdoc />
    public async Task RouteFailedAsync(string userKey, RouteEntry route, CancellationToken ct)
    {
        if (_sessions.TryGetValue(userKey, out var s) && s.Route.Endpoint == route.Endpoint)
            await StopAsync(userKey, "route refused connections", removeRoute: true);
        else
            await _table.RemoveAsync(userKey, route.Endpoint, ct);
    }

    /// <inheritdoc />
    public Task<bool> EndSessionAsync(string userKey, CancellationToken ct) => StopAsync(userKey, "ended", removeRoute: true);

    /// <inheritdoc />
    public IReadOnlyList<SessionInfo> ListSessions() =>
        _sessions.Values.Select(s => new SessionInfo(s.UserKey, s.Route.Since, s.Pid, s.Route.Endpoint, s.Adopted)).ToList();

    /// <summary>
    /// Takes over the userpods a previous router left running (their routes are still in the shared table).
    /// Routes naming a process that no longer exists are removed.
    /// </summary>
    public async Task AdoptAsync(CancellationToken ct)
    {
        await foreach (var (userKey, route) in _table.ListAsync(ct))
        {
            if (route.LocalPid is null || _sessions.ContainsKey(userKey)) continue;
            var session = UserpodProcess.TryAdopt(userKey, route);
            if (session is null)
            {
                await _table.RemoveAsync(userKey, route.Endpoint, ct);
                continue;
            }
            if (!_sessions.TryAdd(userKey, session)) { session.Dispose(); continue; }
            Watch(session);
            _log.LogInformation("adopted userpod of {UserKey}: pid {Pid} at {Endpoint}", userKey, session.Pid, route.Endpoint);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Cancels starts, refills and exit watches, and waits for them.
        await _work.StopAsync(StopGrace + TimeSpan.FromSeconds(1));
        // Starts cancelled just now kill their half-started processes (and a start that finished in the same
        // instant stops its process): wait for that, or those processes would outlive the router.
        try { await _inFlight.WhenIdle().WaitAsync(StopGrace + TimeSpan.FromSeconds(1)); }
        catch (TimeoutException) { _log.LogWarning("{Count} userpod starts still in flight at shutdown", _inFlight.Count); }
        await _warm.StopAllAsync();
        if (_options.KeepUserpods)
        {
            // Routes stay published; the next router adopts these processes (see AdoptAsync).
            foreach (var s in _sessions.Values) s.Dispose();
            _sessions.Clear();
            return;
        }
        await Task.WhenAll(_sessions.Keys.ToList().Select(k => StopAsync(k, "router shutdown", removeRoute: true)));
    }
}
