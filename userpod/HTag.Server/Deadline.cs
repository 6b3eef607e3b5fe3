using HTagKube.Contract;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>
/// The interaction timeout, the one rule for all app code the browser waits on (Init, a first render, a handler, an
/// exposed call, an upload): the code runs off the caller's thread, the caller gets null when it outlives the timeout,
/// and the watchdog ends the process if it still runs after the grace period (its supervisor starts a fresh one).
/// </summary>
static class Deadline
{
    /// <summary>
    /// The result, or null when <paramref name="work"/> outlived <paramref name="timeout"/>: then it is logged,
    /// <paramref name="onTimeout"/> runs, the watchdog watches it and its late result goes to <paramref name="abandon"/>.
    /// <paramref name="ct"/> only ends the caller's wait (the client went away): the deadline and the watchdog still hold,
    /// so code that hangs after its client left cannot keep an app's lock for good; a result nobody waits for any more
    /// also goes to <paramref name="abandon"/>.
    /// </summary>
    public static async Task<T?> RunAsync<T>(HTagServer server, TimeSpan timeout, Func<Task<T>> work, string what, CancellationToken ct,
        Func<Task>? onTimeout = null, Action<T>? abandon = null) where T : class
    {
        var timed = TimeAsync(server, timeout, Task.Run(work, CancellationToken.None), what, onTimeout, abandon);
        try { return await timed.WaitAsync(ct).ConfigureAwait(false); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _ = timed.ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully) { if (t.Result is { } r) abandon?.Invoke(r); }
                else if (t.Exception is { } e)
                    server.Logger.LogError(e.GetBaseException(), "{What} failed after its client went away", what);
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
    }

    static async Task<T?> TimeAsync<T>(
        HTagServer server, TimeSpan timeout, Task<T> task, string what, Func<Task>? onTimeout, Action<T>? abandon)
        where T : class
    {
        // WaitAsync, not WhenAny with a Delay: its timer goes as soon as the work is done (one per page load or interaction).
        try { return await task.WaitAsync(timeout).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            // Done after all (at the same moment, or it threw a TimeoutException of its own): its outcome.
            if (task.IsCompleted) return await task.ConfigureAwait(false);
        }
        server.Logger.LogError("{What} did not finish within the interaction timeout ({Timeout})", what, timeout);
        Watchdog.Watch(task, server);
        if (abandon is not null)
            _ = task.ContinueWith(t => abandon(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default);
        if (onTimeout is not null) await onTimeout().ConfigureAwait(false);
        return null;
    }
}

/// <summary>Exits the process when timed-out app code keeps running: its supervisor starts a fresh one.</summary>
static class Watchdog
{
    /// <summary>Exit code of a userpod killed by the watchdog.</summary>
    public const int ExitCode = UserpodProtocol.WatchdogExitCode;

    public static void Watch(Task work, HTagServer server)
    {
        _ = Task.Run(async () =>
        {
            var finished = await Task.WhenAny(work, Task.Delay(server.Options.TimeoutGrace)).ConfigureAwait(false);
            if (finished == work) return;
            server.Logger.LogCritical("app code still runs {Grace} after it timed out: exiting with code {Code}",
                server.Options.TimeoutGrace, ExitCode);
            server.OnWatchdogExit(ExitCode);
        });
    }
}
