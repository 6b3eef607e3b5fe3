using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>What one informer lists and watches.</summary>
public sealed record InformerOptions
{
    /// <summary>The namespace watched.</summary>
    public required string Namespace { get; init; }
    /// <summary>Only objects with these labels; null: all.</summary>
    public string? LabelSelector { get; init; }
    /// <summary>Server-side watch timeout: the stream is closed and resumed from the last resourceVersion.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;
    /// <summary>Resume from a remembered resourceVersion instead of listing first; a 410 falls back to a relist.</summary>
    public string? StartFromResourceVersion { get; init; }
}

/// <summary>
/// List + watch cache of one kind (client-go's reflector + store) on the client's watch: watches resume from the
/// last seen resourceVersion when the stream ends; a 410 Gone (compacted history) triggers a full relist that also
/// reports deletions missed meanwhile. It runs while its process leads (each run starts with a relist) and serves
/// nothing outside a synced run: a standby must not act on, or report, a stale view. The last state is kept, so the
/// next run's relist reports what was deleted in between.
/// </summary>
public sealed class Informer<T>(IKubernetes kube, KubeKind<T> kind, InformerOptions options, ILogger log)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    readonly ConcurrentDictionary<string, T> _cache = new();
    volatile TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _relists, _reconnects, _runs;

    /// <summary>Called for every change seen (from a watch or a relist), after the cache is updated.</summary>
    public event Action<WatchEventType, T>? Changed;

    /// <summary>The current run has listed everything (only then does the cache answer).</summary>
    public bool HasSynced => _synced.Task.IsCompleted;
    /// <summary>Full lists so far (tests, diagnostics).</summary>
    public int Relists => _relists;
    /// <summary>Watch streams resumed so far (tests, diagnostics).</summary>
    public int Reconnects => _reconnects;

    /// <summary>Completes once the current run has listed everything.</summary>
    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    /// <summary>The cached object of key "ns/name"; null when absent or not synced.</summary>
    public T? Get(string key) => HasSynced && _cache.TryGetValue(key, out var v) ? v : null;
    /// <summary>The cached object; null when absent or not synced.</summary>
    public T? Get(string? ns, string name) => Get(KubeKinds.KeyOf(ns, name));
    /// <summary>Every cached object; empty when not synced.</summary>
    public IReadOnlyList<T> List() => HasSynced ? [.. _cache.Values] : [];

    /// <summary>One run (relist, then watch) until <paramref name="ct"/> ends it.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var run = Interlocked.Increment(ref _runs);
        try { await ListAndWatchAsync(ct); }
        finally
        {
            // The next run waits for its own sync. A run that ends after a newer one started (its list call outlived its
            // term) must not take the newer run's sync away: that controller would wait for a sync that never comes.
            if (Volatile.Read(ref _runs) == run) _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    async Task ListAndWatchAsync(CancellationToken ct)
    {
        var rv = options.StartFromResourceVersion;
        var needList = rv is null;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    rv = await RelistAsync(ct);
                    needList = false;
                }
                else
                {
                    _synced.TrySetResult();
                }
                Exception? streamError = null;
                var events = kind.Watch(kube, options.Namespace, options.LabelSelector, rv!, options.WatchTimeoutSeconds,
                    e => streamError ??= e, ct);
                await foreach (var (type, obj) in events)
                {
                    rv = obj.Metadata?.ResourceVersion ?? rv;
                    if (type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted) Apply(type, obj);
                    failures = 0;
                }
                // An ERROR event (e.g. 410) arrives through onError and ends the stream.
                if (streamError is not null) throw streamError;
                Interlocked.Increment(ref _reconnects);
            }
            catch (Exception e) when (e.IsGone())
            {
                log.LogInformation("{Kind} watch: resourceVersion {Rv} expired (410), relisting", kind.Kind, rv);
                needList = true;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // API server restarts, network blips: retry with a capped backoff, resuming from rv.
                failures++;
                Interlocked.Increment(ref _reconnects);
                var delay = Backoff.Delay(failures, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
                log.LogWarning("{Kind} watch failed ({Error}); retry in {Delay}", kind.Kind, e.Message, delay);
                try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { break; }
            }
        }
    }

    async Task<string?> RelistAsync(CancellationToken ct)
    {
        var items = new List<T>();
        string? cont = null, rv = null;
        do
        {
            var page = await kind.List(kube, options.Namespace, options.LabelSelector, cont, ct);
            items.AddRange(page.Items);
            cont = page.Continue;
            rv = page.ResourceVersion;
        } while (cont is not null);

        Interlocked.Increment(ref _relists);
        var seen = new HashSet<string>();
        foreach (var item in items)
        {
            // List items carry no apiVersion/kind; watch events do. Callers compare the two, so fill them in.
            item.ApiVersion ??= kind.ApiVersion;
            item.Kind ??= kind.Kind;
            var key = KubeKinds.KeyOf(item);
            seen.Add(key);
            var existed = _cache.TryGetValue(key, out var old);
            if (existed && old!.Metadata.ResourceVersion == item.Metadata.ResourceVersion) continue;
            Apply(existed ? WatchEventType.Modified : WatchEventType.Added, item);
        }
        foreach (var (key, old) in _cache.ToArray())
        {
            if (!seen.Contains(key)) Apply(WatchEventType.Deleted, old);
        }
        _synced.TrySetResult();
        return rv;
    }

    void Apply(WatchEventType type, T obj)
    {
        var key = KubeKinds.KeyOf(obj);
        if (type == WatchEventType.Deleted) _cache.TryRemove(key, out _);
        else _cache[key] = obj;
        try { Changed?.Invoke(type, obj); }
        catch (Exception e) { log.LogError(e, "{Kind} informer handler failed", kind.Kind); }
    }
}
