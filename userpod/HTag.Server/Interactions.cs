using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>Runs one interaction with the timeout rules shared by the WebSocket and POST transports.</summary>
internal static class Interactions
{
    /// <summary>
    /// Runs the handler off the caller's thread (a CPU-bound handler must not block the socket loop) and
    /// waits at most the interaction timeout. On timeout the client gets an error, the instance is dropped,
    /// and a watchdog exits the process if the handler still runs after the grace period.
    /// </summary>
    public static Task<ServerMessage?> RunAsync(Instance instance, ClientMessage msg,
        Func<ServerMessage, Task<bool>> sendPartial, CancellationToken ct) =>
        RunAsync(instance, partial => instance.Runtime.InteractAsync(msg, partial, CancellationToken.None), $"tag {msg.Id}, event {msg.Ev}", sendPartial, ct);

    /// <summary>The same rules for any app code the browser asks for (<paramref name="what"/> names it in the log).</summary>
    public static async Task<ServerMessage?> RunAsync(Instance instance, Func<Func<ServerMessage, Task>, Task<ServerMessage>> run, string what,
        Func<ServerMessage, Task<bool>> sendPartial, CancellationToken ct)
    {
        var server = instance.Server;
        var work = Task.Run(() => run(async m => await sendPartial(m).ConfigureAwait(false)), CancellationToken.None);
        var timeout = instance.Host.InteractionTimeout;
        // WaitAsync, not WhenAny with a Delay: its timer goes as soon as the interaction is done.
        try { return await work.WaitAsync(timeout, ct).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            // Done after all (at the same moment, or it threw a TimeoutException of its own): its outcome.
            if (work.IsCompleted) return await work.ConfigureAwait(false);
        }
        server.Logger.LogError("interaction timed out after {Timeout} in app {App} ({What}); dropping the instance",
            timeout, instance.Host.Path, what);
        // The error first, then drop the instance (which tells open pages to reload).
        await sendPartial(new ServerMessage { Err = $"interaction timed out after {timeout.TotalSeconds:0.###} s; the app was restarted" }).ConfigureAwait(false);
        instance.Host.Forget(instance);
        Watchdog.Watch(work, server);
        return null;
    }
}

/// <summary>Exits the process when a timed-out handler keeps running: its supervisor starts a fresh one.</summary>
internal static class Watchdog
{
    /// <summary>Exit code of a userpod killed by the watchdog.</summary>
    public const int ExitCode = 75;

    public static void Watch(Task work, HTagServer server)
    {
        _ = Task.Run(async () =>
        {
            var finished = await Task.WhenAny(work, Task.Delay(server.Options.TimeoutGrace)).ConfigureAwait(false);
            if (finished == work) return;
            server.Logger.LogCritical("a handler still runs {Grace} after its interaction timed out: exiting with code {Code}",
                server.Options.TimeoutGrace, ExitCode);
            server.OnWatchdogExit(ExitCode);
        });
    }
}
