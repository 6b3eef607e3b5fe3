using System.Collections.Concurrent;

namespace HTagKube.Router.Provisioning;

/// <summary>
/// One run per key at a time: concurrent callers for a key share the run in flight, which outlives any one caller
/// (a caller that stops waiting leaves it running for its retry). Both provisioners start a user's session with it.
/// </summary>
public sealed class SingleFlight<T>
{
    readonly ConcurrentDictionary<string, Task<T>> _running = new(StringComparer.Ordinal);

    /// <summary>Runs in flight now.</summary>
    public int Count => _running.Count;

    /// <summary>The keys of the runs in flight now.</summary>
    public ICollection<string> Keys => _running.Keys;

    /// <summary>True while a run for <paramref name="key"/> is in flight.</summary>
    public bool IsRunning(string key) => _running.ContainsKey(key);

    /// <summary>The run in flight for <paramref name="key"/>, else a new one of <paramref name="run"/>.</summary>
    public Task<T> RunAsync(string key, Func<string, Task<T>> run)
    {
        while (true)
        {
            if (_running.TryGetValue(key, out var inflight)) return inflight;
            var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_running.TryAdd(key, tcs.Task)) continue; // another caller started it meanwhile
            _ = CompleteAsync(key, tcs, run); // owned by its callers: its end is the task they await
            return tcs.Task;
        }
    }

    async Task CompleteAsync(string key, TaskCompletionSource<T> tcs, Func<string, Task<T>> run)
    {
        try { tcs.TrySetResult(await run(key)); }
        catch (Exception e) { tcs.TrySetException(e); }
        finally { _running.TryRemove(new KeyValuePair<string, Task<T>>(key, tcs.Task)); }
    }
}
