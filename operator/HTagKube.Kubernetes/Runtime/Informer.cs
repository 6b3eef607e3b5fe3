using System.Collections.Concurrent;
using HTagKube.Kubernetes.Client;
using HTagKube.Kubernetes.Models;
using Microsoft.Extensions.Logging;

namespace HTagKube.Kubernetes.Runtime;

public sealed record InformerOptions
{
    public string? Namespace { get; init; }
    public string? LabelSelector { get; init; }
    /// <summary>Server-side watch timeout: the stream is closed and resumed from the last resourceVersion.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;
    /// <summary>Resume from a remembered resourceVersion instead of listing first; a 410 falls back to a relist.</summary>
    public string? StartFromResourceVersion { get; init; }
}

/// <summary>
/// List + watch cache of one kind (client-go's reflector + store): watches resume from the last seen
/// resourceVersion when the stream ends; a 410 Gone (compacted history) triggers a full relist that
/// also reports deletions missed meanwhile.
/// </summary>
public sealed class Informer<T> where T : class, IKubeObject
{
    readonly IKubeClient _client;
    readonly KubeResource<T> _resource;
    readonly InformerOptions _options;
    readonly ILogger _log;
    readonly ConcurrentDictionary<string, T> _cache = new();
    readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _relists, _reconnects;

    public Informer(IKubeClient client, KubeResource<T> resource, InformerOptions? options, ILogger log)
    {
        _client = client;
        _resource = resource;
        _options = options ?? new InformerOptions();
        _log = log;
    }

    /// <summary>Called for every change seen (from a watch or a relist), after the cache is updated.</summary>
    public event Action<WatchEventType, T>? Changed;

    public bool HasSynced => _synced.Task.IsCompleted;
    public int Relists => _relists;
    public int Reconnects => _reconnects;
    public string? LastResourceVersion { get; private set; }

    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    public T? Get(string key) => _cache.TryGetValue(key, out var v) ? v : null;
    public T? Get(string? ns, string name) => Get(KeyOf(ns, name));
    public IReadOnlyList<T> List() => [.. _cache.Values];

    public static string KeyOf(string? ns, string name) => ns is null ? name : $"{ns}/{name}";
    public static string KeyOf(IKubeObject o) => KeyOf(o.Metadata.Namespace, o.Metadata.Name ?? "");

    public async Task RunAsync(CancellationToken ct)
    {
        var rv = _options.StartFromResourceVersion;
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
                var options = new WatchOptions(rv, _options.LabelSelector, TimeoutSeconds: _options.WatchTimeoutSeconds);
                await foreach (var ev in _client.WatchAsync(_resource, _options.Namespace, options, ct))
                {
                    rv = ev.Object.Metadata.ResourceVersion ?? rv;
                    LastResourceVersion = rv;
                    if (ev.Type != WatchEventType.Bookmark) Apply(ev.Type, ev.Object);
                    failures = 0;
                }
                Interlocked.Increment(ref _reconnects);
            }
            catch (KubeGoneException)
            {
                _log.LogInformation("{Kind} watch: resourceVersion {Rv} expired (410), relisting", _resource.Kind, rv);
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
                _log.LogWarning("{Kind} watch failed ({Error}); retry in {Delay}", _resource.Kind, e.Message, delay);
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
            var page = await _client.ListAsync(_resource, _options.Namespace, new ListOptions(_options.LabelSelector, Limit: 500, Continue: cont), ct);
            items.AddRange(page.Items);
            cont = string.IsNullOrEmpty(page.Metadata.Continue) ? null : page.Metadata.Continue;
            rv = page.Metadata.ResourceVersion;
        } while (cont is not null);

        Interlocked.Increment(ref _relists);
        var seen = new HashSet<string>();
        foreach (var item in items)
        {
            var key = KeyOf(item);
            seen.Add(key);
            var existed = _cache.TryGetValue(key, out var old);
            if (existed && old!.Metadata.ResourceVersion == item.Metadata.ResourceVersion) continue;
            Apply(existed ? WatchEventType.Modified : WatchEventType.Added, item);
        }
        foreach (var (key, old) in _cache.ToArray())
        {
            if (!seen.Contains(key)) Apply(WatchEventType.Deleted, old);
        }
        LastResourceVersion = rv;
        _synced.TrySetResult();
        return rv;
    }

    void Apply(WatchEventType type, T obj)
    {
        var key = KeyOf(obj);
        if (type == WatchEventType.Deleted) _cache.TryRemove(key, out _);
        else _cache[key] = obj;
        try { Changed?.Invoke(type, obj); }
        catch (Exception e) { _log.LogError(e, "{Kind} informer handler failed", _resource.Kind); }
    }
}
