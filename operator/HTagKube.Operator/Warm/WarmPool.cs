using System.Collections.Concurrent;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Sessions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace HTagKube.Operator.Warm;

/// <summary>
/// Keeps <see cref="OperatorOptions.WarmPool"/> warm pods (leader only) and hands them to new sessions. Refill is
/// level-triggered: woken by claims and pod events, plus a periodic pass; failed or stuck warm pods are replaced.
/// Size 0: nothing is created and <see cref="ClaimAsync"/> always answers null (cold start, exactly as before).
/// </summary>
public sealed class WarmPool(IKubernetes kube, OperatorOptions o, OperatorMetrics metrics, ILogger<WarmPool> log)
{
    static readonly TimeSpan Pass = TimeSpan.FromSeconds(2);
    static readonly TimeSpan InFlightMax = TimeSpan.FromSeconds(60);
    readonly SemaphoreSlim _wake = new(0);
    readonly ConcurrentDictionary<string, DateTimeOffset> _creating = new(); // created, not yet in the cache
    readonly ConcurrentDictionary<string, DateTimeOffset> _claiming = new(); // claimed (or being claimed); cache may lag
    readonly ConcurrentDictionary<string, byte> _readySeen = new();         // pod uids whose refill time was recorded
    volatile Informer<V1Pod>? _pods;
    string _ns = "";
    DateTimeOffset _lastSweep;

    public int Size => o.WarmPool;

    /// <summary>Use the leader's pod informer (warm pods carry the managed-by label); null when not leading.</summary>
    public void Attach(Informer<V1Pod>? pods, string ns)
    {
        _ns = ns;
        _pods = pods;
        if (pods is not null) pods.Changed += (_, p) => { if (p.Metadata.Labels?.ContainsKey(WarmPods.WarmLabel) == true) Wake(); };
    }

    void Wake() { if (_wake.CurrentCount == 0) _wake.Release(); }

    /// <summary>Warm pods in the cache that are still in the pool (not claimed by us moments ago).</summary>
    IEnumerable<V1Pod> Pool() =>
        (_pods?.List() ?? []).Where(p => p.Metadata.NamespaceProperty == _ns && WarmPods.IsWarm(p) && !_claiming.ContainsKey(p.Metadata.Name!));

    public (int Ready, int Starting) Count()
    {
        var pool = Pool().Where(p => PodHealth.Failure(p) is null).ToList();
        var ready = pool.Count(PodHealth.IsReady);
        return (ready, pool.Count - ready + _creating.Count);
    }

    /// <summary>
    /// Claims a Ready warm pod for the session (see <see cref="WarmPods.TryClaimAsync"/>); on a 409 tries the next.
    /// Null = cold start (pool disabled, empty, or the session needs another image/resources).
    /// </summary>
    public async Task<V1Pod?> ClaimAsync(HTagSession s, CancellationToken ct)
    {
        if (Size == 0 || _pods is null) return null;
        if (!WarmPods.Fits(s, _ns, o))
        {
            metrics.WarmMisses.Add(1); // own image or resources: always a cold start
            return null;
        }
        var candidates = Pool().Where(p => PodHealth.IsReady(p) && PodHealth.Failure(p) is null).ToList();
        // Concurrent workers start at different pods: fewer 409s than all racing for the first one.
        Random.Shared.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates));
        foreach (var warm in candidates)
        {
            if (!_claiming.TryAdd(warm.Metadata.Name!, DateTimeOffset.UtcNow)) continue;
            var claimed = await WarmPods.TryClaimAsync(kube, warm, s, ct);
            if (claimed is null && await kube.CoreV1.ReadNamespacedPodAsync(warm.Metadata.Name, _ns, cancellationToken: ct).OrNullIfNotFound() is { } fresh
                && fresh.Metadata.ResourceVersion != warm.Metadata.ResourceVersion && PodHealth.IsReady(fresh))
                claimed = await WarmPods.TryClaimAsync(kube, fresh, s, ct); // our view was stale (e.g. a status write), not a lost race
            if (claimed is null)
            {
                _claiming.TryRemove(warm.Metadata.Name!, out _);
                continue;
            }
            try { await WarmPods.AdoptSecretAsync(kube, claimed, s, ct); }
            catch (HttpOperationException e) when (e.IsNotFound())
            {
                // No token: the pod can never serve. It is the session's now; delete it and start cold.
                log.LogWarning("warm pod {Pod} lost its token secret; deleting it", claimed.Metadata.Name);
                await kube.CoreV1.DeleteNamespacedPodAsync(claimed.Metadata.Name, _ns, new V1DeleteOptions { GracePeriodSeconds = 0 }, cancellationToken: ct).OrNullIfNotFound();
                continue;
            }
            metrics.WarmClaims.Add(1);
            log.LogInformation("session {Session}: claimed warm pod {Pod}", s.Metadata.Name, claimed.Metadata.Name);
            Wake();
            return claimed;
        }
        metrics.WarmMisses.Add(1);
        Wake();
        return null;
    }

    /// <summary>The refill loop, while leading.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (Size == 0 || _pods is not { } pods) return;
        await pods.WaitForSyncAsync(ct);
        log.LogInformation("warm pool: keeping {Size} pods in namespace {Namespace}", Size, _ns);
        while (!ct.IsCancellationRequested)
        {
            try { await FillAsync(ct); }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                log.LogWarning("warm pool: {Error}", e.Message);
            }
            try { await _wake.WaitAsync(Pass, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    async Task FillAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var cached = (_pods?.List() ?? []).Where(p => p.Metadata.NamespaceProperty == _ns).ToDictionary(p => p.Metadata.Name!);
        foreach (var (name, at) in _creating)
            if (cached.ContainsKey(name) || now - at > InFlightMax) _creating.TryRemove(name, out _);
        foreach (var (name, at) in _claiming)
            if (!cached.TryGetValue(name, out var p) || !WarmPods.IsWarm(p) || now - at > InFlightMax) _claiming.TryRemove(name, out _);

        var alive = new List<V1Pod>();
        foreach (var p in Pool())
        {
            var why = PodHealth.Failure(p);
            if (why is null && !PodHealth.IsReady(p) && now - (p.Metadata.CreationTimestamp ?? now) > TimeSpan.FromSeconds(o.PodStartTimeoutSeconds))
                why = $"not ready after {o.PodStartTimeoutSeconds}s ({PodHealth.Waiting(p)})";
            if (why is not null)
            {
                log.LogWarning("warm pod {Pod}: {Why}; replacing it", p.Metadata.Name, why);
                metrics.PodFailures.Add(1);
                await DeleteAsync(p, ct);
                continue;
            }
            if (PodHealth.IsReady(p) && _readySeen.TryAdd(p.Metadata.Uid!, 0) && p.Metadata.CreationTimestamp is { } created)
                metrics.WarmRefillSeconds.Record((now - created).TotalSeconds);
            alive.Add(p);
        }

        foreach (var uid in _readySeen.Keys)
            if (!cached.Values.Any(p => p.Metadata.Uid == uid)) _readySeen.TryRemove(uid, out _);
        var have = alive.Count + _creating.Count;
        // Shrunk pool (e.g. a new leader with a smaller size): drop the youngest, not-ready first.
        foreach (var extra in alive.OrderBy(PodHealth.IsReady).ThenByDescending(p => p.Metadata.CreationTimestamp).Take(Math.Max(0, have - Size)))
            await DeleteAsync(extra, ct);
        for (var i = have; i < Size; i++) await CreateAsync(ct);

        if (now - _lastSweep > TimeSpan.FromMinutes(1)) { _lastSweep = now; await SweepSecretsAsync(cached, now, ct); }
    }

    async Task CreateAsync(CancellationToken ct)
    {
        var name = WarmPods.NewName();
        await kube.CoreV1.CreateNamespacedSecretAsync(WarmPods.Secret(name, _ns), _ns, cancellationToken: ct); // the pod's HTAG_TOKEN comes from it
        _creating[name] = DateTimeOffset.UtcNow;
        V1Pod pod;
        try { pod = await kube.CoreV1.CreateNamespacedPodAsync(WarmPods.Pod(name, _ns, o), _ns, cancellationToken: ct); }
        catch
        {
            _creating.TryRemove(name, out _);
            await kube.CoreV1.DeleteNamespacedSecretAsync(WarmPods.SecretName(name), _ns, cancellationToken: CancellationToken.None).OrNullIfNotFound();
            throw;
        }
        await WarmPods.OwnSecretByPodAsync(kube, pod, ct);
    }

    Task<V1Pod?> DeleteAsync(V1Pod p, CancellationToken ct) =>
        kube.CoreV1.DeleteNamespacedPodAsync(p.Metadata.Name, _ns,
            new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = p.Metadata.Uid } }, cancellationToken: ct).OrNullIfNotFound();

    /// <summary>A warm Secret whose pod was never created (crash between the two creates) would stay forever.</summary>
    async Task SweepSecretsAsync(Dictionary<string, V1Pod> pods, DateTimeOffset now, CancellationToken ct)
    {
        var secrets = await kube.CoreV1.ListNamespacedSecretAsync(_ns, labelSelector: $"{SessionManifests.ManagedBySelector},{WarmPods.WarmLabel}={WarmPods.Warm}", cancellationToken: ct);
        foreach (var s in secrets.Items)
        {
            if (s.Metadata.OwnerReferences is { Count: > 0 } || now - (s.Metadata.CreationTimestamp ?? now) < InFlightMax) continue;
            var podName = s.Metadata.Name!.EndsWith("-token", StringComparison.Ordinal) ? s.Metadata.Name[..^"-token".Length] : "";
            if (pods.ContainsKey(podName) || _creating.ContainsKey(podName)) continue;
            await kube.CoreV1.DeleteNamespacedSecretAsync(s.Metadata.Name, _ns, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = s.Metadata.Uid } }, cancellationToken: ct).OrNullIfNotFound();
        }
    }
}
