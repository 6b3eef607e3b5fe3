
namespace HTag;

/// <summary>Runs one interaction under the timeout rules (<see cref="Deadline"/>) shared by the WebSocket and POST transports.</summary>
static class Interactions
{
    /// <summary>
    /// Runs the handler off the caller's thread (a CPU-bound handler must not block the socket loop) and
    /// waits at most the interaction timeout. On timeout the client gets an error, the instance is dropped,
    /// and a watchdog exits the process if the handler still runs after the grace period.
    /// </summary>
    public static Task<ServerMessage?> RunAsync(Instance instance, ClientMessage msg,
        Func<ServerMessage, Task<bool>> sendPartial, CancellationToken ct) =>
        RunAsync(instance, partial => instance.Runtime.InteractAsync(msg, partial, CancellationToken.None), $"tag {msg.Id}, event {msg.Ev}",
            sendPartial, ct);

    /// <summary>The same rules for any app code the browser asks for (<paramref name="what"/> names it in the log).</summary>
    public static Task<ServerMessage?> RunAsync(Instance instance, Func<Func<ServerMessage, Task>, Task<ServerMessage>> run, string what,
        Func<ServerMessage, Task<bool>> sendPartial, CancellationToken ct)
    {
        var timeout = instance.Host.InteractionTimeout;
        return Deadline.RunAsync(instance.Server, timeout, () => run(async m => await sendPartial(m).ConfigureAwait(false)),
            $"interaction in app {instance.Host.Path} ({what})", ct, onTimeout: async () =>
            {
                // The error first, then drop the instance (which tells open pages to reload).
                try
                {
                    var err = $"interaction timed out after {timeout.TotalSeconds:0.###} s; the app was restarted";
                    await sendPartial(new ServerMessage { Err = err }).ConfigureAwait(false);
                }
                finally { instance.Host.Forget(instance); }
            });
    }
}
