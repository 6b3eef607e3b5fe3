using System.Collections.Concurrent;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Pods;
using HTagKube.Routing;
using k8s.Models;

namespace HTagKube.Operator.Warm;

/// <summary>
/// The operator's side of the warm-pod offers (<see cref="WarmPodOffers"/>): it offers routers its Ready warm pods, so a
/// new user's router takes one and routes the user to it before any API write of the operator's. An offer no longer in
/// Redis was taken by a router: that pod is no longer the pool's, and the HTagSession naming it gets it. An offer is
/// withdrawn before the operator uses or deletes the pod itself; one it cannot withdraw was taken. A taken pod that no
/// session claims within <see cref="TakenGrace"/> (its router died between the take and the HTagSession's create) is
/// deleted. A new leader offers again what is offered and counts every Ready warm pod not offered as taken (it cannot
/// tell), so such pods are replaced unless a session claims them. Without Redis (tests on the in-memory table) nothing
/// is offered and the pool works as before.
/// </summary>
public sealed class WarmOfferBook(Informer<V1Secret> secrets, OperatorOptions o, ILogger<WarmOfferBook> log, WarmPodOffers? offers = null)
{
    /// <summary>How long a taken pod waits for the HTagSession that names it.</summary>
    public static readonly TimeSpan TakenGrace = TimeSpan.FromSeconds(30);

    readonly ConcurrentDictionary<string, DateTimeOffset> _offered = new(); // pod → when offered
    readonly ConcurrentDictionary<string, DateTimeOffset> _taken = new();   // pod → when seen taken
    bool _synced;

    /// <summary>A new leadership: nothing known until the first <see cref="SyncAsync"/>.</summary>
    public void Reset()
    {
        _offered.Clear();
        _taken.Clear();
        _synced = false;
    }

    /// <summary>Whether a router took the pod (it is not the pool's to use).</summary>
    public bool IsTaken(string pod) => _taken.ContainsKey(pod);

    /// <summary>
    /// Before the operator uses or deletes an unclaimed warm pod: true when it may (never offered, or its offer withdrawn
    /// now), false when a router took it (or Redis cannot say now).
    /// </summary>
    public async Task<bool> WithdrawAsync(string pod, DateTimeOffset now, CancellationToken ct)
    {
        if (_taken.ContainsKey(pod)) return false;
        if (offers is null || !_offered.TryRemove(pod, out var since)) return true;
        try
        {
            if (await offers.WithdrawAsync(pod, ct)) return true;
        }
        catch (RouteTableUnavailableException)
        {
            _offered[pod] = since; // unknown: not now
            return false;
        }
        _taken.TryAdd(pod, now);
        return false;
    }

    /// <summary>The pod went to a session (a router's take or the operator's own claim): nothing more to track.</summary>
    public void Claimed(string pod)
    {
        _offered.TryRemove(pod, out _);
        _taken.TryRemove(pod, out _);
    }

    /// <summary>
    /// One pass over the unclaimed warm pods (<paramref name="warm"/>): notices takes, withdraws offers of pods that are
    /// gone, offers the Ready pods not offered yet. Returns the taken pods no session claimed within the grace.
    /// </summary>
    public async Task<IReadOnlyList<V1Pod>> SyncAsync(IReadOnlyList<V1Pod> warm, DateTimeOffset now, CancellationToken ct)
    {
        if (offers is null) return [];
        try
        {
            var offeredNow = await offers.OfferedAsync(ct);
            var byName = warm.ToDictionary(p => p.Metadata.Name!);
            if (!_synced)
            {
                foreach (var (name, pod) in byName)
                {
                    if (offeredNow.Contains(name)) _offered[name] = now;
                    else if (PodHealth.IsReady(pod)) _taken.TryAdd(name, now); // perhaps offered by the leader before
                }
                _synced = true;
            }
            foreach (var name in _offered.Keys)
            {
                if (offeredNow.Contains(name)) continue;
                _offered.TryRemove(name, out _);
                if (byName.ContainsKey(name)) _taken.TryAdd(name, now); // a router took it
            }
            foreach (var name in _taken.Keys)
            {
                if (!byName.ContainsKey(name)) _taken.TryRemove(name, out _); // claimed or gone
                else if (offeredNow.Contains(name) && _taken.TryRemove(name, out _)) _offered[name] = now; // given back
            }
            foreach (var name in offeredNow)
            {
                if (byName.ContainsKey(name)) continue;
                _offered.TryRemove(name, out _);
                await offers.WithdrawAsync(name, ct); // its pod is gone (or no longer warm): no router may take it
            }
            foreach (var pod in warm)
            {
                var name = pod.Metadata.Name!;
                if (!PodHealth.IsReady(pod) || _offered.ContainsKey(name) || _taken.ContainsKey(name)) continue;
                if (pod.Status?.PodIP is not { Length: > 0 } ip || UserpodPod.TokenSecretName(pod) is not { } secretName) continue;
                if (secrets.Get(pod.Metadata.NamespaceProperty, secretName) is not { } secret) continue; // not cached yet: next pass
                await offers.OfferAsync(new WarmPodOffer(name, $"{ip}:{o.UserpodPort}", UserpodPod.TokenOf(secret)), ct);
                _offered[name] = now;
            }
        }
        catch (RouteTableUnavailableException e)
        {
            log.LogWarning("warm pod offers: {Error}", e.Message);
            return [];
        }
        return warm.Where(p => _taken.TryGetValue(p.Metadata.Name!, out var at) && now - at > TakenGrace).ToList();
    }
}
