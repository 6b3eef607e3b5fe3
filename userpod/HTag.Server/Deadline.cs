using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>
/// Runs app code (Init, a first render) off the request thread under the interaction timeout, so a hanging Init
/// costs the user an error page, not a request that never ends; the watchdog ends the process if the code still
/// runs after the grace period (the router starts a fresh one), exactly as for a hanging handler.
/// </summary>
internal static class Deadline
{
    /// <summary>The result, or null when <paramref name="work"/> outlived the interaction timeout (then watched, and
    /// its late result given to <paramref name="abandon"/>).</summary>
    public static async Task<T?> RunAsync<T>(HTagServer server, TimeSpan timeout, Func<Task<T>> work, string what, CancellationToken ct, Action<T>? abandon = null) where T : class
    {
        var task = Task.Run(work, CancellationToken.None);
        // WaitAsync, not WhenAny with a Delay: its timer goes as soon as the work is done (one per page load).
        try { return await task.WaitAsync(timeout, ct).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            // Done after all (at the same moment, or it threw a TimeoutException of its own): its outcome.
            if (task.IsCompleted) return await task.ConfigureAwait(false);
        }
        server.Logger.LogError("{What} did not finish within the interaction timeout ({Timeout})", what, timeout);
        if (abandon is not null)
            _ = task.ContinueWith(t => abandon(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        Watchdog.Watch(task, server);
        return null;
    }
}
