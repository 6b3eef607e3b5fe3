using System.Collections.Concurrent;
using HTagKube.Api.V1Alpha1;
using HTagKube.Contract;
using HTagKube.Kubernetes;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Pods;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Operator.Warm;

/// <summary>
/// Keeps <see cref="WarmPoolSizer.Target"/> warm pods while the process leads and hands them to new sessions. Refill is
/// level-triggered: woken by claims and pod events (the leader's pod informer: warm pods carry the managed-by label),
/// plus a periodic pass; failed or stuck warm pods are replaced. Every session that asks for a warm pod (claim or miss)
/// and every warm pod's measured start feed the sizer, so an adaptive pool grows at once under arrivals and shrinks slowly
/// after them; a target change is logged. Never any pod (bounds 0, no schedule): nothing is created and
/// <see cref="ClaimAsync"/> always answers null (cold start, exactly as before).
/// <para>
/// Under a rush the pool gives way to the sessions: a session takes a Ready warm pod, else the warm pod nearest to Ready
/// (its start is under way: sooner than a pod of its own), and the pods sessions wait for count against the pool's
/// target until they are Ready. So the node starts about as many pods as users need, not those plus a pool refilled
/// beside them, and the pool fills again once the rush's pods are up. While a burst of claims draws on Ready pods, the
/// refill waits for a lull (<see cref="RefillHold"/>): its API writes would queue before the claims.
/// </para>
/// <para>
/// Ready warm pods are also offered to the routers (<see cref="WarmOfferBook"/>): a router takes one for a new user,
/// creates the HTagSession naming it (<see cref="KubernetesNames.WarmPodAnnotation"/>) and routes the user to it at once;
/// <see cref="ClaimAsync"/> then hands that pod to the session.
/// </para>
/// </summary>
public sealed class WarmPool : ILeaderWork
{
    static readonly TimeSpan Pass = TimeSpan.FromSeconds(2);
    static readonly TimeSpan InFlightMax = TimeSpan.FromSeconds(60);
    readonly IKubernetes _kube;
    readonly OperatorOptions _o;
    readonly Informer<V1Pod> _pods;
    readonly OperatorMetrics _metrics;
    readonly WarmPoolSizer _sizer;
    readonly WarmPoolStatus _status;
    readonly ILogger _log;
    readonly string _ns;
    readonly SemaphoreSlim _wake = new(0);
    readonly ConcurrentDictionary<string, DateTimeOffset> _creating = new(); // created, not yet in the cache
    readonly ConcurrentDictionary<string, DateTimeOffset> _claiming = new(); // claimed (or being claimed); cache may lag
    readonly WarmPodStarts _starts;
    DateTimeOffset _lastSweep;
    int _lastTarget = -1;
    readonly RefillHold _hold = new();
    readonly WarmOfferBook _offers;

    /// <summary>The pool of the served namespace, woken by warm pods' events; its size is reported in the metrics.</summary>
    public WarmPool(
        IKubernetes kube, OperatorOptions o, Informer<V1Pod> pods, OperatorMetrics metrics, WarmPoolSizer sizer, WarmPoolStatus status,
        WarmOfferBook offers, ILogger<WarmPool> log)
    {
        (_kube, _o, _pods, _metrics, _sizer, _status, _log, _ns) = (kube, o, pods, metrics, sizer, status, log, o.Namespace!);
        _offers = offers;
        _starts = new WarmPodStarts(sizer.Window);
        pods.Changed += (_, p) => { if (p.Metadata.Labels?.ContainsKey(WarmPodManifests.WarmLabel) == true) Wake(); };
        metrics.ObserveWarmPool(Count, () => Math.Max(0, _lastTarget), () => _sizer.ArrivalsPerSecond, () => _sizer.StartTime.TotalSeconds);
    }

    /// <summary>The size the pool keeps now (computed by each refill pass).</summary>
    public int Size => Math.Max(0, _lastTarget);

    void Wake() { if (_wake.CurrentCount == 0) _wake.Release(); }

    /// <summary>Warm pods in the cache not claimed (by us moments ago), a router's take included.</summary>
    IEnumerable<V1Pod> Unclaimed() =>
        _pods.List().Where(p =>
            p.Metadata.NamespaceProperty == _ns && WarmPodManifests.IsWarm(p) && !_claiming.ContainsKey(p.Metadata.Name!));

    /// <summary>Warm pods in the cache that are still in the pool (not claimed by us moments ago, not taken by a router).</summary>
    IEnumerable<V1Pod> Pool() => Unclaimed().Where(p => !_offers.IsTaken(p.Metadata.Name!));

    /// <summary>Warm pods in the pool by state (being created counts as starting).</summary>
    public (int Ready, int Starting) Count()
    {
        var pool = Pool().Where(p => PodHealth.Failure(p) is null).ToList();
        var ready = pool.Count(PodHealth.IsReady);
        return (ready, pool.Count - ready + _creating.Count);
    }

    /// <summary>
    /// Claims a warm pod for the session (see <see cref="TryClaimAsync"/>): a Ready one, else the one nearest to Ready; on a
    /// 409 tries the next. Null = cold start (pool disabled, empty, or the session needs another image/resources).
    /// </summary>
    public async Task<V1Pod?> ClaimAsync(HTagSession s, CancellationToken ct)
    {
        if (!_sizer.Enabled || !_pods.HasSynced) return null;
        if (!WarmPodManifests.Fits(s, _ns, _o))
        {
            _metrics.WarmMisses.Add(1); // own image or resources: always a cold start
            return null;
        }
        _sizer.Arrival(); // a session a warm pod could serve: the demand the pool follows
        var now = DateTimeOffset.UtcNow;
        if (await ClaimTakenAsync(s, now, ct) is { } taken) return taken;
        var usable = Pool().Where(p => Claimable(p, now)).ToList();
        var ready = usable.Where(PodHealth.IsReady).ToList();
        // Concurrent workers start at different pods: fewer 409s than all racing for the first one.
        Random.Shared.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ready));
        var starting = usable.Where(p => !PodHealth.IsReady(p)).OrderBy(p => p.Metadata.CreationTimestamp);
        foreach (var warm in ready.Concat(starting))
        {
            if (!_claiming.TryAdd(warm.Metadata.Name!, DateTimeOffset.UtcNow)) continue;
            if (!await _offers.WithdrawAsync(warm.Metadata.Name!, now, ct))
            {
                _claiming.TryRemove(warm.Metadata.Name!, out _); // a router took it
                continue;
            }
            var claimed = await TryClaimFreshAsync(warm, s, fresh => Claimable(fresh, now), ct);
            if (claimed is null)
            {
                _claiming.TryRemove(warm.Metadata.Name!, out _);
                continue;
            }
            Handed(claimed, s, ct, PodHealth.IsReady(claimed) ? "" : " (still starting: none was Ready)");
            return claimed;
        }
        _metrics.WarmMisses.Add(1);
        Wake();
        return null;
    }

    /// <summary>
    /// The warm pod a router took for this session (<see cref="KubernetesNames.WarmPodAnnotation"/>) and routes its user to,
    /// claimed; null when the session names none, or the pod is gone or someone else's (then the session gets a pod the
    /// usual way, whose route replaces the router's).
    /// </summary>
    async Task<V1Pod?> ClaimTakenAsync(HTagSession s, DateTimeOffset now, CancellationToken ct)
    {
        if (s.Metadata.Annotations is not { } notes || !notes.TryGetValue(KubernetesNames.WarmPodAnnotation, out var name)
            || string.IsNullOrEmpty(name)) return null;
        if (_pods.Get(_ns, name) is not { } pod || !WarmPodManifests.IsWarm(pod) || !_claiming.TryAdd(name, now)) return null;
        await _offers.WithdrawAsync(name, now, ct); // offered still (its router's take raced our view): no other router gets it
        var claimed = await TryClaimFreshAsync(pod, s, WarmPodManifests.IsWarm, ct);
        if (claimed is null)
        {
            _claiming.TryRemove(name, out _);
            return null;
        }
        Handed(claimed, s, ct, " (a router's take)");
        return claimed;
    }

    /// <summary>
    /// <see cref="TryClaimAsync"/> of the pod as the cache shows it; after a 409, once more if the pod had changed since
    /// (our view was stale, e.g. a status write, not a lost race) and is still <paramref name="usable"/>.
    /// </summary>
    async Task<V1Pod?> TryClaimFreshAsync(V1Pod seen, HTagSession s, Func<V1Pod, bool> usable, CancellationToken ct)
    {
        if (await TryClaimAsync(_kube, seen, s, ct) is { } claimed) return claimed;
        return await ReadPodAsync(seen.Metadata.Name!, ct) is { } fresh
            && fresh.Metadata.ResourceVersion != seen.Metadata.ResourceVersion && usable(fresh)
            ? await TryClaimAsync(_kube, fresh, s, ct)
            : null;
    }

    /// <summary>A warm pod is the session's now: its Secret follows, the refill holds, counted, logged.</summary>
    void Handed(V1Pod claimed, HTagSession s, CancellationToken ct, string how)
    {
        _offers.Claimed(claimed.Metadata.Name!);
        AdoptTokenSecret(claimed, s, ct);
        _hold.Claimed(DateTimeOffset.UtcNow);
        _metrics.WarmClaims.Add(1);
        _log.LogInformation("session {Session}: claimed warm pod {Pod}{How}", s.Metadata.Name, claimed.Metadata.Name, how);
        Wake();
    }

    /// <summary>
    /// The claimed pod's token Secret follows it to the session, off the user's way to a page (one API write fewer before
    /// the route). Until then the pod owns the Secret, so it goes with the pod whatever happens meanwhile (a leader lost
    /// before this write leaves nothing behind).
    /// </summary>
    void AdoptTokenSecret(V1Pod claimed, HTagSession s, CancellationToken ct) => _ = Task.Run(async () =>
    {
        try
        {
            var secret = UserpodPod.TokenSecretName(claimed)
                ?? throw new InvalidOperationException($"pod {claimed.Metadata.Name} has no token secret");
            await _kube.CoreV1.PatchNamespacedSecretAsync(WarmPodManifests.ClaimPatch(s, null), secret, _ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.IsNotFound())
        {
            // No token: the pod cannot serve a restart. It is the session's now: deleting it starts the session anew.
            _log.LogWarning("warm pod {Pod} lost its token secret; deleting it", claimed.Metadata.Name);
            try { await UserpodPod.DeleteAsync(_kube, claimed, ct); }
            catch (Exception inner) when (inner is not OperationCanceledException)
            {
                _log.LogWarning("warm pod {Pod}: {Error}", claimed.Metadata.Name, inner.Message);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { } // leadership ended: the pod keeps it
        catch (Exception e)
        {
            _log.LogWarning("warm pod {Pod}: its token secret stays owned by the pod: {Error}", claimed.Metadata.Name, e.Message);
        }
    }, CancellationToken.None);

    /// <summary>Why a userpod pod will never serve (failed, or past its start timeout), else null.</summary>
    string? WontServe(V1Pod p, DateTimeOffset now) => PodHealth.Failure(p) ?? PodHealth.StartTimedOut(p, now, _o.PodStartTimeout);

    /// <summary>A warm pod a session may take: in the pool, the operator's image, not failed, not past its start timeout.</summary>
    bool Claimable(V1Pod p, DateTimeOffset now) => WarmPodManifests.IsWarm(p) && OtherImage(p) is null && WontServe(p, now) is null;

    /// <summary>
    /// The claim, in ONE optimistic write (<see cref="WarmPodManifests.ClaimPatch"/>). Null when someone else got it (409)
    /// or it is gone.
    /// </summary>
    public static async Task<V1Pod?> TryClaimAsync(IKubernetes kube, V1Pod warm, HTagSession s, CancellationToken ct)
    {
        if (!WarmPodManifests.IsWarm(warm) || warm.Metadata.ResourceVersion is not { Length: > 0 } rv) return null;
        var patch = WarmPodManifests.ClaimPatch(s, rv);
        var ns = warm.Metadata.NamespaceProperty;
        try { return await kube.CoreV1.PatchNamespacedPodAsync(patch, warm.Metadata.Name, ns, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.IsConflict() || e.IsNotFound()) { return null; }
    }

    /// <summary>Why a warm pod is stale: it runs another image than the operator's (after an upgrade); else null.</summary>
    string? OtherImage(V1Pod p) => UserpodPod.ImageOf(p) is { } image && image != _o.Image ? $"runs image {image}, not {_o.Image}" : null;

    /// <summary>The refill loop, while leading.</summary>
    public async Task LeadAsync(CancellationToken ct)
    {
        if (!_sizer.Enabled) return;
        await _pods.WaitForSyncAsync(ct);
        _offers.Reset();
        if (_sizer.Adaptive)
        {
            _log.LogInformation("warm pool: between {Min} and {Max} pods in namespace {Namespace}, following the arrivals",
                _sizer.Min, _sizer.Max, _ns);
        }
        else
        {
            _log.LogInformation("warm pool: keeping {Size} pods in namespace {Namespace}", _sizer.Min, _ns);
        }
        while (!ct.IsCancellationRequested)
        {
            var next = Pass;
            try { next = await FillAsync(ct); }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                _log.LogWarning("warm pool: {Error}", e.Message);
            }
            try { await _wake.WaitAsync(next, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One refill pass; when the next pass is due at the latest.</summary>
    async Task<TimeSpan> FillAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var cached = _pods.List().Where(p => p.Metadata.NamespaceProperty == _ns).ToDictionary(p => p.Metadata.Name!);
        foreach (var (name, at) in _creating)
            if (cached.ContainsKey(name) || now - at > InFlightMax) _creating.TryRemove(name, out _);
        foreach (var (name, at) in _claiming)
            if (!cached.TryGetValue(name, out var p) || !WarmPodManifests.IsWarm(p) || now - at > InFlightMax)
                _claiming.TryRemove(name, out _);

        foreach (var abandoned in await _offers.SyncAsync(Unclaimed().ToList(), now, ct))
        {
            _log.LogWarning("warm pod {Pod}: taken by a router, but no session claimed it within {Grace} s; deleting it",
                abandoned.Metadata.Name, WarmOfferBook.TakenGrace.TotalSeconds);
            await UserpodPod.DeleteAsync(_kube, abandoned, ct);
        }
        var alive = new List<V1Pod>();
        foreach (var p in Pool())
        {
            if (OtherImage(p) is { } stale)
            {
                if (!await _offers.WithdrawAsync(p.Metadata.Name!, now, ct)) continue; // a router took it: a session's now
                _log.LogInformation("warm pod {Pod}: {Why}; replacing it", p.Metadata.Name, stale);
                await UserpodPod.DeleteAsync(_kube, p, ct);
                continue;
            }
            if (WontServe(p, now) is { } why)
            {
                await _offers.WithdrawAsync(p.Metadata.Name!, now, ct); // it will not serve, taken or not
                _log.LogWarning("warm pod {Pod}: {Why}; replacing it", p.Metadata.Name, why);
                _metrics.PodFailures.Add(1);
                await UserpodPod.DeleteAsync(_kube, p, ct);
                continue;
            }
            alive.Add(p);
        }
        foreach (var start in _starts.New(cached.Values, now))
        {
            _metrics.WarmRefillSeconds.Record(start.TotalSeconds);
            _sizer.Started(start);
        }

        var have = alive.Count + _creating.Count;
        var sessionsStarting = cached.Values.Count(p => StartingForSession(p, now));
        var target = _sizer.Target();
        if (target != _lastTarget)
        {
            _log.LogInformation(
                "warm pool: target {Target} (was {Was}; {Rate:0.00} sessions/s over the window, start {Start:0.0} s; bounds {Min}..{Max})",
                target, Math.Max(0, _lastTarget), _sizer.ArrivalsPerSecond, _sizer.StartTime.TotalSeconds, _sizer.Min, _sizer.Max);
            _lastTarget = target;
        }
        // Shrunk pool (the demand fell, or a new leader with a smaller size): drop the youngest, not-ready first.
        var extras = alive.OrderBy(PodHealth.IsReady).ThenByDescending(p => p.Metadata.CreationTimestamp).Take(Math.Max(0, have - target));
        foreach (var extra in extras)
            if (await _offers.WithdrawAsync(extra.Metadata.Name!, now, ct)) await UserpodPod.DeleteAsync(_kube, extra, ct);
        // Grow at once: the creates run together (each is a Secret, a pod and a patch); the pods sessions wait for go first.
        // Only not while a burst of claims is drawing on Ready pods (RefillHold).
        var missing = Math.Max(0, target - have - sessionsStarting);
        var next = Pass;
        if (missing == 0) _hold.NotNeeded();
        else if (_hold.Wait(now, alive.Count(PodHealth.IsReady)) is { } hold) next = hold;
        else await Task.WhenAll(Enumerable.Range(0, missing).Select(_ => CreateAsync(ct)));

        var (ready, starting) = Count();
        await _status.WriteAsync(new WarmPoolState(target, ready, starting, sessionsStarting, _sizer.Min, _sizer.Max,
            _sizer.ArrivalsPerSecond, _sizer.StartTime.TotalSeconds, _sizer.Scheduled), ct);

        if (now - _lastSweep > TimeSpan.FromMinutes(1)) { _lastSweep = now; await SweepSecretsAsync(cached, now, ct); }
        return next;
    }

    /// <summary>
    /// A pod a session waits for: its own or a claimed warm one, not Ready yet, still able to start; or a warm pod claimed
    /// moments ago that the cache still shows in the pool.
    /// </summary>
    bool StartingForSession(V1Pod p, DateTimeOffset now) =>
        !PodHealth.IsReady(p) && p.Metadata.DeletionTimestamp is null
        && WontServe(p, now) is null
        && (p.Metadata.Labels?.ContainsKey(KubernetesNames.SessionLabel) == true || _claiming.ContainsKey(p.Metadata.Name!));

    async Task CreateAsync(CancellationToken ct)
    {
        var name = WarmPodManifests.NewName();
        // The pod's token comes from it.
        await _kube.CoreV1.CreateNamespacedSecretAsync(WarmPodManifests.Secret(name, _ns), _ns, cancellationToken: ct);
        _creating[name] = DateTimeOffset.UtcNow;
        V1Pod pod;
        try { pod = await _kube.CoreV1.CreateNamespacedPodAsync(WarmPodManifests.Pod(name, _ns, _o), _ns, cancellationToken: ct); }
        catch
        {
            _creating.TryRemove(name, out _);
            var secret = WarmPodManifests.SecretName(name);
            await _kube.CoreV1.DeleteNamespacedSecretAsync(secret, _ns, cancellationToken: CancellationToken.None).OrNullIfNotFound();
            throw;
        }
        await _kube.CoreV1.PatchNamespacedSecretAsync(WarmPodManifests.OwnedByPodPatch(pod), WarmPodManifests.SecretName(name), _ns,
            cancellationToken: ct);
    }

    Task<V1Pod?> ReadPodAsync(string name, CancellationToken ct) =>
        _kube.CoreV1.ReadNamespacedPodAsync(name, _ns, cancellationToken: ct).OrNullIfNotFound();

    /// <summary>A warm Secret whose pod was never created (crash between the two creates) would stay forever.</summary>
    async Task SweepSecretsAsync(Dictionary<string, V1Pod> pods, DateTimeOffset now, CancellationToken ct)
    {
        var selector = $"{UserpodPod.ManagedBySelector},{WarmPodManifests.WarmLabel}={WarmPodManifests.Warm}";
        var secrets = await _kube.CoreV1.ListNamespacedSecretAsync(_ns, labelSelector: selector, cancellationToken: ct);
        foreach (var s in secrets.Items)
        {
            if (s.Metadata.OwnerReferences is { Count: > 0 } || now - (s.Metadata.CreationTimestamp ?? now) < InFlightMax) continue;
            var podName = WarmPodManifests.PodNameOf(s.Metadata.Name!) ?? "";
            if (pods.ContainsKey(podName) || _creating.ContainsKey(podName)) continue;
            var exactly = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = s.Metadata.Uid } };
            await _kube.CoreV1.DeleteNamespacedSecretAsync(s.Metadata.Name, _ns, exactly, cancellationToken: ct).OrNullIfNotFound();
        }
    }
}
