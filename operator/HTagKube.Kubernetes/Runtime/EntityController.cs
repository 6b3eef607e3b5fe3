using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace HTagKube.Kubernetes.Runtime;

public sealed record ControllerOptions
{
    public required string Namespace { get; init; }
    public string? LabelSelector { get; init; }
    public int Workers { get; init; } = 2;
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromMinutes(1);
    public int WatchTimeoutSeconds { get; init; } = 300;
}

/// <summary>
/// Runs one <see cref="IEntityController{TEntity}"/> (and its optional <see cref="IEntityFinalizer{TEntity}"/>):
/// informer → work queue (dedup, one reconcile per key at a time, backoff) → workers. Events of owned objects
/// enqueue their controller owner.
/// </summary>
public sealed class EntityController<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    // Meter "HTagKube" + instrument = the exported name (htagkube_reconciles_total…), as in the operator's own meter.
    static readonly Meter Meter = new("HTagKube");
    static readonly Counter<long> Reconciles = Meter.CreateCounter<long>("reconciles_total");
    static readonly Counter<long> Errors = Meter.CreateCounter<long>("reconcile_errors_total");
    static readonly ConcurrentDictionary<string, WorkQueue> Queues = new();

    static EntityController() =>
        Meter.CreateObservableGauge("workqueue_depth",
            () => Queues.Select(q => new Measurement<int>(q.Value.Count, new KeyValuePair<string, object?>("controller", q.Key))));

    readonly IKubernetes _kube;
    readonly KubeKind<T> _kind;
    readonly IEntityController<T> _handler;
    readonly IEntityFinalizer<T>? _finalizer;
    readonly ControllerOptions _options;
    readonly ILogger _log;
    readonly WorkQueue _queue;
    readonly ConcurrentDictionary<string, T> _tombstones = new();
    readonly List<Func<CancellationToken, Task>> _ownedRunners = [];
    readonly List<Func<CancellationToken, Task>> _ownedSyncs = [];

    public EntityController(IKubernetes kube, KubeKind<T> kind, IEntityController<T> handler, IEntityFinalizer<T>? finalizer,
        ControllerOptions options, ILogger log)
    {
        _kube = kube;
        _kind = kind;
        _handler = handler;
        _finalizer = finalizer;
        _options = options;
        _log = log;
        _queue = new WorkQueue(options.BackoffBase, options.BackoffMax);
        Informer = new Informer<T>(kube, kind, new InformerOptions
        {
            Namespace = options.Namespace, LabelSelector = options.LabelSelector, WatchTimeoutSeconds = options.WatchTimeoutSeconds,
        }, log);
        Informer.Changed += (type, obj) =>
        {
            var key = KubeKinds.KeyOf(obj);
            if (type == WatchEventType.Deleted) _tombstones[key] = obj;
            else _tombstones.TryRemove(key, out _);
            _queue.Add(key);
        };
    }

    public Informer<T> Informer { get; }

    public WorkQueue Queue => _queue;

    /// <summary>Watch a kind whose objects carry a controller ownerReference to a <typeparamref name="T"/>.</summary>
    public Informer<TOwned> Owns<TOwned>(KubeKind<TOwned> owned, string? labelSelector = null) where TOwned : class, IKubernetesObject<V1ObjectMeta>
    {
        var informer = new Informer<TOwned>(_kube, owned, new InformerOptions
        {
            Namespace = _options.Namespace, LabelSelector = labelSelector, WatchTimeoutSeconds = _options.WatchTimeoutSeconds,
        }, _log);
        informer.Changed += (_, obj) =>
        {
            foreach (var owner in obj.Metadata.OwnerReferences ?? [])
            {
                if (owner.Controller == true && owner.Kind == _kind.Kind && owner.ApiVersion == _kind.ApiVersion)
                    _queue.Add(KubeKinds.KeyOf(obj.Metadata.NamespaceProperty, owner.Name));
            }
        };
        _ownedRunners.Add(informer.RunAsync);
        _ownedSyncs.Add(informer.WaitForSyncAsync);
        return informer;
    }

    /// <summary>Ask for a reconcile of "ns/name" (e.g. from an external event).</summary>
    public void Enqueue(string? ns, string name) => _queue.Add(KubeKinds.KeyOf(ns, name));

    public async Task RunAsync(CancellationToken ct)
    {
        var name = $"{_kind.Kind}/{Guid.NewGuid():N}";
        Queues[name] = _queue;
        try
        {
            var runners = new List<Task> { Informer.RunAsync(ct) };
            runners.AddRange(_ownedRunners.Select(r => r(ct)));
            await Informer.WaitForSyncAsync(ct);
            foreach (var sync in _ownedSyncs) await sync(ct);
            _log.LogInformation("{Kind} controller synced; {Workers} workers", _kind.Kind, _options.Workers);
            runners.AddRange(Enumerable.Range(0, _options.Workers).Select(_ => WorkerAsync(ct)));
            await Task.WhenAll(runners);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            _queue.Dispose();
            Queues.TryRemove(name, out _);
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
                Errors.Add(1, new KeyValuePair<string, object?>("kind", _kind.Kind));
                var delay = _queue.AddRateLimited(key);
                // Conflicts are routine (stale cache vs. our own writes): no stack trace.
                if (e.IsConflict() || e.IsNotFound()) _log.LogDebug("reconcile {Key}: {Status}, retry in {Delay}", key, KubeErrors.StatusOf(e), delay);
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
        Reconciles.Add(1, new KeyValuePair<string, object?>("kind", _kind.Kind));
        var obj = Informer.Get(key);
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
