using System.Collections.Concurrent;

namespace HTagKube.Router.Hosting;

/// <summary>
/// The owner of work a caller starts and does not wait for (a TTL refresh, the end of a start reservation, a stop on
/// expiry, a pool refill): each piece runs under one stopping token, its failure is logged, and
/// <see cref="StopAsync"/> cancels and awaits what is still running, so no task outlives the component that started it.
/// </summary>
public sealed class BackgroundWork(ILogger log) : IHostedService, IAsyncDisposable
{
    readonly CancellationTokenSource _stopping = new();
    readonly ConcurrentDictionary<Task, string> _running = new();

    /// <summary>Work running now.</summary>
    public int Count => _running.Count;

    /// <summary>Cancelled when the owner stops.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Starts <paramref name="work"/> and keeps it until it ends; ignored once stopping.</summary>
    /// <param name="what">Names the work in a failure's log line.</param>
    /// <param name="work">Gets <see cref="Stopping"/>.</param>
    public void Run(string what, Func<CancellationToken, Task> work)
    {
        if (_stopping.IsCancellationRequested) return;
        var task = RunLoggedAsync(what, work);
        if (task.IsCompleted) return;
        _running.TryAdd(task, what);
        _ = task.ContinueWith(static (t, set) => ((ConcurrentDictionary<Task, string>)set!).TryRemove(t, out _),
            _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    async Task RunLoggedAsync(string what, Func<CancellationToken, Task> work)
    {
        try
        {
            await work(_stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { }
        catch (Exception e)
        {
            log.LogError(e, "background work failed: {Work}", what);
        }
    }

    /// <summary>Cancels the work and waits for it, at most <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            log.LogWarning("{Count} background tasks still running at shutdown: {Work}", _running.Count,
                string.Join(", ", _running.Values.Distinct()));
        }
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>As a hosted service (the router's own): stops with the host, before the services it uses are disposed.</summary>
    Task IHostedService.StopAsync(CancellationToken cancellationToken) => StopAsync(TimeSpan.FromSeconds(10));

    /// <inheritdoc />
    /// <remarks>Safe to call more than once (the container may dispose it as itself and as a hosted service).</remarks>
    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.FromSeconds(10)));
}
