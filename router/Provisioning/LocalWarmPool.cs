using System.Collections.Concurrent;
using System.Diagnostics;
using HTagKube.Router.Hosting;
using HTagKube.Router.Metrics;

namespace HTagKube.Router.Provisioning;

/// <summary>
/// The local warm pool (<c>--warm-pool N</c>; the operator's counterpart is HTagKube.Operator.Warm.WarmPool):
/// pre-started, warmed-up userpod processes with their own token, not sessions, claimed by a new user in one step and
/// refilled in the background once a burst of claims settles. Starts go through the provisioner's <see cref="StartGate"/>
/// (users first) and count as in flight, so shutdown waits for them.
/// </summary>
public sealed class LocalWarmPool(RouterOptions options, UserpodLauncher launcher, StartGate gate, InFlight inFlight,
    RouterMetrics metrics, ILogger log, BackgroundWork work)
{
    readonly CancellationToken stopping = work.Stopping;

    static readonly TimeSpan WarmReplaceDelay = TimeSpan.FromMilliseconds(200);
    /// <summary>Refills wait until claims pause this long (at most <see cref="RefillMaxDelay"/>): a process start
    /// competing for the cores with the pages of a burst of new users would slow every one of them.</summary>
    static readonly TimeSpan RefillSettle = TimeSpan.FromMilliseconds(200), RefillMaxDelay = TimeSpan.FromSeconds(1);

    readonly ConcurrentDictionary<int, UserpodProcess> _warm = new();
    int _warmStarting;
    long _lastClaim;
    int _refillScheduled;

    /// <summary>Warm userpods ready now.</summary>
    public int Ready => _warm.Count;

    /// <summary>Warm userpods starting now.</summary>
    public int Starting => Volatile.Read(ref _warmStarting);

    /// <summary>Pids of the warm userpods ready now.</summary>
    public IReadOnlyList<int> Pids => [.. _warm.Keys];

    /// <summary>
    /// Takes one warm userpod for <paramref name="userKey"/>, or null (pool empty or disabled: start cold).
    /// Atomic: a warm process belongs to whoever removes it from the pool; only this router's own processes
    /// are ever in it, and the caller holds the user's provisioning lock, so across routers sharing a route table
    /// no process can go to two users and no user gets two processes.
    /// </summary>
    public UserpodProcess? TryClaim(string userKey)
    {
        if (options.WarmPool == 0) return null;
        Volatile.Write(ref _lastClaim, Stopwatch.GetTimestamp());
        foreach (var pid in _warm.Keys)
        {
            if (!_warm.TryRemove(pid, out var warm)) continue; // another claim (or its exit watcher) won it
            if (!warm.IsAlive) { warm.Dispose(); continue; }
            metrics.WarmClaimed();
            ScheduleRefill();
            return warm.AssignTo(userKey);
        }
        ScheduleRefill();
        return null;
    }

    /// <summary>
    /// The session starts cold: counted as a miss here, once it is sure (not at its first empty look: a refill that
    /// ends while it waits for a start slot still gives it a warm userpod, and is counted as a claim only).
    /// </summary>
    public void CountMiss()
    {
        if (options.WarmPool > 0) metrics.WarmMissed();
    }

    /// <summary>
    /// Keeps <c>--warm-pool</c> userpods started, healthy and unassigned, so a new user (or a user whose userpod
    /// died) gets one in milliseconds instead of a process start. Each carries its own fresh token and has served
    /// nothing but its own warm-up renders (HTAG_WARMUP) and <c>/healthz</c>. Safe to call any number of times: starts
    /// only what is missing.
    /// </summary>
    public async Task RefillAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            if (Interlocked.Increment(ref _warmStarting) + _warm.Count > options.WarmPool)
            {
                Interlocked.Decrement(ref _warmStarting);
                return;
            }
            using var busy = inFlight.Enter();
            try
            {
                UserpodProcess warm;
                using (await gate.EnterAsync(forUser: false, stopping))
                {
                    var sw = Stopwatch.StartNew();
                    warm = await launcher.StartAsync("", options.SpawnTimeout, stopping);
                    metrics.WarmRefilled(sw.Elapsed);
                }
                _warm[warm.Pid] = warm;
                work.Run("warm userpod exit watch", _ => WatchWarmExitAsync(warm));
                // Disposal cancels, then drains the pool: a process added after the drain is stopped here.
                if (stopping.IsCancellationRequested && _warm.TryRemove(new KeyValuePair<int, UserpodProcess>(warm.Pid, warm)))
                {
                    await warm.StopAsync(LocalProcessProvisioner.StopGrace);
                    warm.Dispose();
                }
            }
            catch (Exception e) when (e is ProvisioningException or OperationCanceledException)
            {
                if (stopping.IsCancellationRequested) return;
                metrics.WarmStartFailed();
                log.LogError("warm userpod start failed: {Reason}", e.Message);
                return; // the next claim retries; no hot loop on a broken command
            }
            finally
            {
                Interlocked.Decrement(ref _warmStarting);
            }
        }
    }

    void ScheduleRefill() => work.Run("warm pool refill", _ => RefillWhenClaimsSettleAsync());

    /// <summary>Refills once claims pause for <see cref="RefillSettle"/> (at most <see cref="RefillMaxDelay"/> after the first).</summary>
    async Task RefillWhenClaimsSettleAsync()
    {
        if (Interlocked.Exchange(ref _refillScheduled, 1) == 1) return; // one waiter covers every claim until it runs
        try
        {
            var first = Stopwatch.GetTimestamp();
            while (true)
            {
                var quiet = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastClaim));
                var waited = Stopwatch.GetElapsedTime(first);
                if (quiet >= RefillSettle || waited >= RefillMaxDelay) break;
                var wait = RefillSettle - quiet;
                if (RefillMaxDelay - waited < wait) wait = RefillMaxDelay - waited;
                await Task.Delay(wait, stopping);
            }
        }
        catch (OperationCanceledException) { return; }
        finally { Volatile.Write(ref _refillScheduled, 0); }
        await RefillAsync();
    }

    async Task WatchWarmExitAsync(UserpodProcess warm)
    {
        await warm.Exited.WaitAsync(stopping);
        if (!_warm.TryRemove(new KeyValuePair<int, UserpodProcess>(warm.Pid, warm))) return; // claimed, or stopped on purpose
        metrics.WarmDied();
        log.LogWarning("warm userpod pid {Pid} exited with code {Code}; replacing it", warm.Pid, warm.ExitCode);
        warm.Dispose();
        try { await Task.Delay(WarmReplaceDelay, stopping); } // a userpod that dies at once must not spin
        catch (OperationCanceledException) { return; }
        await RefillAsync();
    }

    /// <summary>
    /// At shutdown (after the provisioner cancelled): warm userpods have no route, nobody could adopt them, so they
    /// always go.
    /// </summary>
    public async Task StopAllAsync()
    {
        var warm = new List<UserpodProcess>();
        foreach (var pid in _warm.Keys)
            if (_warm.TryRemove(pid, out var w)) warm.Add(w);
        await Task.WhenAll(warm.Select(async s => { await s.StopAsync(LocalProcessProvisioner.StopGrace); s.Dispose(); }));
    }
}
