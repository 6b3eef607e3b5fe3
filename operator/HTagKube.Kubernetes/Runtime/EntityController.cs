using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>How one controller works its queue.</summary>
public sealed record ControllerOptions
{
    /// <summary>Reconciles in parallel (never two for one key).</summary>
    public int Workers { get; init; } = 2;
    /// <summary>First retry delay of a failed reconcile; doubles per failure.</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Longest retry delay of a failed reconcile.</summary>
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Runs one <see cref="IEntityController{TEntity}"/> (and its optional <see cref="IEntityFinalizer{TEntity}"/>) while the
/// process leads: its informers (own kind and owned kinds) → work queue (dedup, one reconcile per key at a time, backoff)
/// → workers. Events of owned objects enqueue their controller owner. Each term starts with relists and a fresh queue.
/// </summary>
public sealed class EntityController<T> : ILeaderWork where T : class, IKubernetesObject<V1ObjectMeta>
{
    readonly IKubernetes _kube;
    readonly KubeKind<T> _kind;
    readonly Informer<T> _informer;
    readonly IEntityController<T> _handler;
    readonly IEntityFinalizer<T>? _finalizer;
    readonly ControllerOptions _options;
    readonly ILogger _log;
    readonly ConcurrentDictionary<string, T> _tombstones = new();
    readonly List<(Func<CancellationToken, Task> Run, Func<CancellationToken, Task> Synced)> _owned = [];
    volatile WorkQueue _queue;

    /// <summary>A controller of <paramref name="kind"/>, idle until <see cref="LeadAsync"/>.</summary>
    public EntityController(IKubernetes kube, KubeKind<T> kind, Informer<T> informer, IEntityController<T> handler,
        IEntityFinalizer<T>? finalizer, ControllerOptions options, ILogger log)
    {
        (_kube, _kind, _informer, _handler, _finalizer, _options, _log) = (kube, kind, informer, handler, finalizer, options, log);
        _queue = new WorkQueue();
        _queue.Dispose(); // not leading yet: drops what it is given
        informer.Changed += (type, obj) =>
        {
            var key = KubeKinds.KeyOf(obj);
            if (type == WatchEventType.Deleted) _tombstones[key] = obj;
            else _tombstones.TryRemove(key, out _);
            _queue.Add(key);
        };
    }

    /// <summary>The current term's queue (a stopped controller's drops what it is given).</summary>
    public WorkQueue Queue => _queue;

    /// <summary>Watch (while leading) a kind whose objects carry a controller ownerReference to a <typeparamref name="T"/>.</summary>
    public void Owns<TOwned>(Informer<TOwned> owned) where TOwned : class, IKubernetesObject<V1ObjectMeta>
    {
        owned.Changed += (_, obj) =>
        {
            foreach (var owner in obj.Metadata.OwnerReferences ?? [])
            {
                if (owner.Controller == true && owner.Kind == _kind.Kind && owner.ApiVersion == _kind.ApiVersion)
                    _queue.Add(KubeKinds.KeyOf(obj.Metadata.NamespaceProperty, owner.Name));
            }
        };
        _owned.Add((owned.RunAsync, owned.WaitForSyncAsync));
    }

    /// <summary>Ask for a reconcile of "ns/name" (e.g. from an external event); ignored while not leading.</summary>
    public void Enqueue(string? ns, string name) => _queue.Add(KubeKinds.KeyOf(ns, name));

    /// <summary>One term: informers relisted, a fresh queue, the workers; until <paramref name="ct"/> ends it.</summary>
    public async Task LeadAsync(CancellationToken ct)
    {
        var name = $"{_kind.Kind}/{Guid.NewGuid():N}";
        _queue = new WorkQueue(_options.BackoffBase, _options.BackoffMax);
        RuntimeMetrics.Queues[name] = _queue;
        var runners = new List<Task>();
        try
        {
            runners.Add(_informer.RunAsync(ct));
            runners.AddRange(_owned.Select(o => o.Run(ct)));
            await _informer.WaitForSyncAsync(ct);
            foreach (var o in _owned) await o.Synced(ct);
            // Every object once per term, as client-go's initial list delivers them: the relist reports only what changed
            // since the last run, and the previous term's queue (with its requeue timers) is gone.
            foreach (var obj in _informer.List()) _queue.Add(KubeKinds.KeyOf(obj));
            _log.LogInformation("{Kind} controller synced; {Workers} workers", _kind.Kind, _options.Workers);
            runners.AddRange(Enumerable.Range(0, _options.Workers).Select(_ => WorkerAsync(ct)));
            await Task.WhenAll(runners);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            // A term ends when its informer runs have: a term lost while still listing (a slow API call under load)
            // used to return at once, and its run, ending during the next term, reset that term's sync.
            try { await Task.WhenAll(runners); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            RuntimeMetrics.Queues.TryRemove(name, out _);
            _queue.Dispose();
        }
    }

    async Task WorkerAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string key;
            try { key = await _queue.TakeAsync(ct); }
            catch (OperationCanceledException) { return; }
            try
            {
                await ProcessAsync(key, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                RuntimeMetrics.Errors.Add(1, new KeyValuePair<string, object?>("kind", _kind.Kind));
                var delay = _queue.AddRateLimited(key);
                // Conflicts are routine (stale cache vs. our own writes): no stack trace.
                if (e.IsConflict() || e.IsNotFound())
                    _log.LogDebug("reconcile {Key}: {Status}, retry in {Delay}", key, KubeErrors.StatusOf(e), delay);
                else _log.LogWarning(e, "reconcile {Key} failed; retry in {Delay}", key, delay);
            }
            finally
            {
                _queue.Done(key);
            }
        }
    }

    async Task ProcessAsync(string key, CancellationToken ct)
    {
        RuntimeMetrics.Reconciles.Add(1, new KeyValuePair<string, object?>("kind", _kind.Kind));
        var obj = _informer.Get(key);
        if (obj is null)
        {
            if (_tombstones.TryRemove(key, out var gone)) await _handler.DeletedAsync(gone, ct);
            _queue.Forget(key);
            return;
        }
        if (_finalizer is { } finalizer)
        {
            var has = Finalizers.Has(obj, finalizer.Identifier);
            if (obj.Metadata.DeletionTimestamp is not null)
            {
                if (has)
                {
                    obj = await finalizer.FinalizeAsync(obj, ct);
                    await Finalizers.RemoveAsync(_kube, _kind, obj, finalizer.Identifier, ct);
                }
                _queue.Forget(key);
                return;
            }
            if (!has) obj = await Finalizers.AddAsync(_kube, _kind, obj, finalizer.Identifier, ct);
        }
        var result = await _handler.ReconcileAsync(obj, ct);
        _queue.Forget(key);
        if (result.RequeueAfter is { } after) _queue.AddAfter(key, after);
    }
}
