namespace HTagKube.Kubernetes.Runtime;

/// <summary>
/// client-go's work queue semantics: a key is queued at most once; a key being processed is never
/// handed to a second worker, and an Add during processing re-queues it when Done is called.
/// Failed keys come back with per-key exponential backoff.
/// </summary>
public sealed class WorkQueue : IDisposable
{
    readonly object _lock = new();
    readonly Queue<string> _queue = new();
    readonly HashSet<string> _dirty = [];
    readonly HashSet<string> _processing = [];
    readonly Dictionary<string, int> _failures = [];
    readonly SemaphoreSlim _available = new(0);
    readonly CancellationTokenSource _shutdown = new();
    readonly TimeSpan _baseDelay, _maxDelay;

    /// <summary>
    /// A queue whose failed keys come back after <paramref name="baseDelay"/>, doubling up to <paramref name="maxDelay"/>.
    /// </summary>
    public WorkQueue(TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
    {
        _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(100);
        _maxDelay = maxDelay ?? TimeSpan.FromMinutes(2);
    }

    /// <summary>Keys waiting (not counting those being processed).</summary>
    public int Count { get { lock (_lock) return _queue.Count; } }

    /// <summary>Queues the key (once, however often added before it is taken).</summary>
    public void Add(string key)
    {
        lock (_lock)
        {
            if (_shutdown.IsCancellationRequested || !_dirty.Add(key)) return;
            if (_processing.Contains(key)) return;
            _queue.Enqueue(key);
        }
        _available.Release();
    }

    /// <summary>Queues the key after <paramref name="delay"/>.</summary>
    public void AddAfter(string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) { Add(key); return; }
        _ = DelayedAddAsync(key, delay);
    }

    async Task DelayedAddAsync(string key, TimeSpan delay)
    {
        try { await Task.Delay(delay, _shutdown.Token); }
        catch (OperationCanceledException) { return; }
        Add(key);
    }

    /// <summary>Re-queue after a failure, later each time (until <see cref="Forget"/>).</summary>
    public TimeSpan AddRateLimited(string key)
    {
        int n;
        lock (_lock) n = _failures[key] = _failures.GetValueOrDefault(key) + 1;
        var delay = Backoff.Delay(n, _baseDelay, _maxDelay);
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Failures in a row of the key.</summary>
    public int Failures(string key) { lock (_lock) return _failures.GetValueOrDefault(key); }

    /// <summary>The key succeeded: its failures are forgotten.</summary>
    public void Forget(string key) { lock (_lock) _failures.Remove(key); }

    /// <summary>The next key, marked as being processed until <see cref="Done"/>.</summary>
    public async Task<string> TakeAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _shutdown.Token);
        await _available.WaitAsync(linked.Token);
        lock (_lock)
        {
            var key = _queue.Dequeue();
            _dirty.Remove(key);
            _processing.Add(key);
            return key;
        }
    }

    /// <summary>The key's processing ended; re-queued if it was added meanwhile.</summary>
    public void Done(string key)
    {
        bool requeue;
        lock (_lock)
        {
            _processing.Remove(key);
            requeue = _dirty.Contains(key);
            if (requeue) _queue.Enqueue(key);
        }
        if (requeue) _available.Release();
    }

    /// <summary>Stops handing out keys and drops pending delayed adds. (Handles are left to the GC
    /// so that late Add calls from informer threads stay harmless.)</summary>
    public void Dispose() => _shutdown.Cancel();
}
