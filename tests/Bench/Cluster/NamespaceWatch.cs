using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace HTagKube.Bench.Cluster;

/// <summary>When this machine first saw a pod reach each step (Stopwatch timestamps; null = not yet).</summary>
sealed class PodSteps
{
    public required string Name { get; init; }
    public long Seen { get; set; }
    public long? Scheduled { get; set; }
    public long? Running { get; set; }
    public long? Ready { get; set; }
    public bool Warm { get; set; }
    public string? Session { get; set; }
    /// <summary>Now (as of its last event) a Ready pod of the warm pool: unclaimed, not deleted.</summary>
    public bool ReadyInPool { get; set; }
}

/// <summary>When this machine first saw an HTagSession, and Ready (its route published), and which pod it got.</summary>
sealed class SessionSteps
{
    public required string Name { get; init; }
    public long Seen { get; set; }
    public long? Ready { get; set; }
    public string? Pod { get; set; }
}

/// <summary>
/// Watches the pods and HTagSessions of one namespace (two watch streams, started before a scenario so they cost it
/// no request) and timestamps each step as it arrives: where a session's start spends its time.
/// </summary>
sealed class NamespaceWatch : IAsyncDisposable
{
    readonly IKubernetes _kube;
    readonly string _ns;
    readonly CancellationTokenSource _stop = new();
    readonly List<Task> _loops = [];
    public ConcurrentDictionary<string, PodSteps> Pods { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, SessionSteps> Sessions { get; } = new(StringComparer.Ordinal);
    public List<string> Errors { get; } = [];

    NamespaceWatch(IKubernetes kube, string ns) { _kube = kube; _ns = ns; }

    static long Now => Stopwatch.GetTimestamp();

    /// <summary>Ms from <paramref name="t0"/> to <paramref name="ts"/> (both Stopwatch timestamps).</summary>
    public static double? Ms(long t0, long? ts) => ts is { } t ? Stopwatch.GetElapsedTime(t0, t).TotalMilliseconds : null;

    /// <summary>Starts the pod watch (and the HTagSession watch) from the namespace's current state.</summary>
    public static async Task<NamespaceWatch> StartAsync(IKubernetes kube, string ns, bool sessions, CancellationToken ct)
    {
        var w = new NamespaceWatch(kube, ns);
        var pods = await kube.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct);
        foreach (var p in pods.Items) w.OnPod(p);
        w._loops.Add(w.PodLoopAsync(pods.Metadata.ResourceVersion));
        if (sessions)
        {
            var list = await kube.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(ClusterBench.SessionGroup, ClusterBench.SessionVersion, ns, ClusterBench.SessionPlural, cancellationToken: ct);
            foreach (var item in list.GetProperty("items").EnumerateArray()) w.OnSession(item);
            w._loops.Add(w.SessionLoopAsync(list.GetProperty("metadata").GetProperty("resourceVersion").GetString()!));
        }
        return w;
    }

    async Task PodLoopAsync(string rv)
    {
        try
        {
            await foreach (var (type, pod) in _kube.CoreV1.WatchListNamespacedPodAsync(_ns, resourceVersion: rv, timeoutSeconds: 3600,
                               onError: e => Note(e), cancellationToken: _stop.Token))
                if (type is WatchEventType.Added or WatchEventType.Modified) OnPod(pod);
                else if (type is WatchEventType.Deleted && Pods.TryGetValue(pod.Metadata.Name, out var gone)) gone.ReadyInPool = false;
        }
        catch (Exception e) when (_stop.IsCancellationRequested || e is HttpRequestException or IOException) { Note(e); }
    }

    async Task SessionLoopAsync(string rv)
    {
        try
        {
            await foreach (var (type, obj) in _kube.CustomObjects.WatchListNamespacedCustomObjectAsync(ClusterBench.SessionGroup, ClusterBench.SessionVersion, _ns,
                               ClusterBench.SessionPlural, resourceVersion: rv, timeoutSeconds: 3600, onError: e => Note(e), cancellationToken: _stop.Token))
                if (type is WatchEventType.Added or WatchEventType.Modified && obj is JsonElement json) OnSession(json);
        }
        catch (Exception e) when (_stop.IsCancellationRequested || e is HttpRequestException or IOException) { Note(e); }
    }

    void Note(Exception e)
    {
        if (_stop.IsCancellationRequested || e is OperationCanceledException) return;
        lock (Errors) Errors.Add(e.GetType().Name + ": " + e.Message);
    }

    void OnPod(V1Pod p)
    {
        var now = Now;
        var s = Pods.GetOrAdd(p.Metadata.Name, n => new PodSteps { Name = n, Seen = now });
        var labels = p.Metadata.Labels ?? new Dictionary<string, string>();
        if (labels.TryGetValue("htagkube.io/warm", out var warm) && warm == "true") s.Warm = true;
        if (labels.TryGetValue("htagkube.io/session", out var session)) s.Session = session;
        if (s.Scheduled is null && !string.IsNullOrEmpty(p.Spec?.NodeName)) s.Scheduled = now;
        if (s.Running is null && p.Status?.ContainerStatuses?.Any(c => c.State?.Running is not null) == true) s.Running = now;
        var ready = p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
        if (s.Ready is null && ready) s.Ready = now;
        s.ReadyInPool = ready && warm == "true" && p.Metadata.DeletionTimestamp is null;
    }

    /// <summary>Ready pods in the warm pool now, from the watch alone (no request of the bench's own in the API counts).</summary>
    public int ReadyWarmPods => Pods.Values.Count(p => p.ReadyInPool);

    void OnSession(JsonElement o)
    {
        var now = Now;
        var name = o.GetProperty("metadata").GetProperty("name").GetString()!;
        var s = Sessions.GetOrAdd(name, n => new SessionSteps { Name = n, Seen = now });
        if (!o.TryGetProperty("status", out var status)) return;
        if (status.TryGetProperty("podName", out var pod) && pod.ValueKind == JsonValueKind.String) s.Pod = pod.GetString();
        if (s.Ready is null && status.TryGetProperty("phase", out var phase) && phase.GetString() == "Ready") s.Ready = now;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await Task.WhenAll(_loops); } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
