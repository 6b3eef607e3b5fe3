using HTagKube.Contract;
using System.Diagnostics;
using System.Runtime.InteropServices;
using HTagKube.Routing;

namespace HTagKube.Router.Provisioning;

/// <summary>
/// One userpod process of local mode: started by this router (for a user, or unassigned in the warm pool until a user
/// claims it) or adopted from a previous router. It owns the readers of its output, which end with it.
/// </summary>
public sealed class UserpodProcess : IDisposable
{
    const int SigTerm = 15;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    static extern int SysKill(int pid, int signal);

    readonly Process _process;

    /// <summary>The user (never the uid); empty for a warm-pool userpod not yet given to a user.</summary>
    public string UserKey { get; private set; }
    /// <summary>The published route.</summary>
    public RouteEntry Route { get; private set; }
    /// <summary>Process id.</summary>
    public int Pid { get; }
    /// <summary>True when a previous router started it and this one took it over.</summary>
    public bool Adopted { get; }
    /// <summary>Completes when the process has exited.</summary>
    public Task Exited { get; }

    // The readers of its stdout and stderr (this router's children only): they end when the pipes close.
    readonly Task _output;

    internal UserpodProcess(string userKey, RouteEntry route, Process process, bool adopted, Task? output = null)
    {
        _output = output ?? Task.CompletedTask;
        UserKey = userKey;
        Route = route;
        _process = process;
        Pid = process.Id;
        Adopted = adopted;
        Exited = process.WaitForExitAsync();
    }

    /// <summary>Gives a warm-pool userpod to a user (its route's <c>since</c> becomes now).</summary>
    public UserpodProcess AssignTo(string userKey)
    {
        UserKey = userKey;
        Route = Route with { Since = DateTimeOffset.UtcNow };
        return this;
    }

    /// <summary>
    /// Lets the userpod outlive this router. It was started with <c>HTAG_LIFELINE=stdin</c>: it stops when its stdin,
    /// a pipe this router holds, ends (the router killed or crashed), unless told <c>keep</c> first. Sessions to be
    /// re-adopted by the next router (<c>--keep-userpods</c>) are told; warm userpods and everything else never are.
    /// </summary>
    public async Task KeepAfterRouterExitAsync(CancellationToken ct)
    {
        if (Adopted) return; // the router that started it released it already: that is how it outlived that router
        try
        {
            await _process.StandardInput.WriteLineAsync(UserpodEnvironment.LifelineKeep.AsMemory(), ct);
            await _process.StandardInput.FlushAsync(ct);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // exited: nothing to keep
        }
    }

    /// <summary>Exit code once exited, else null.</summary>
    public int? ExitCode
    {
        get
        {
            try { return _process.HasExited ? _process.ExitCode : null; }
            catch (InvalidOperationException) { return null; } // adopted (not our child): no exit code
        }
    }

    /// <summary>True while the process runs.</summary>
    public bool IsAlive => !Exited.IsCompleted;

    /// <summary>SIGTERM (graceful: Kestrel drains), then SIGKILL after <paramref name="grace"/>; waits for the exit.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (IsAlive && (SysKill(Pid, SigTerm) != 0 || await Task.WhenAny(Exited, Task.Delay(grace)) != Exited))
        {
            // The userpod alone (one process; setsid execs in place): Kill(entireProcessTree) SIGSTOPs it first and
            // kills it only after walking the tree, so a router dying in between left it stopped forever (the chaos
            // test found it).
            try { _process.Kill(entireProcessTree: false); } catch (InvalidOperationException) { /* already gone */ }
            await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        await OutputDrainedAsync();
    }

    /// <summary>Waits (briefly) for the last lines of an exited process to be logged.</summary>
    public async Task OutputDrainedAsync() => await Task.WhenAny(_output, Task.Delay(TimeSpan.FromSeconds(1)));

    /// <summary>Adopts a running userpod left by a previous router, if <paramref name="route"/> really names it.</summary>
    public static UserpodProcess? TryAdopt(string userKey, RouteEntry route)
    {
        if (route.LocalPid is not int pid || !route.Endpoint.StartsWith("127.", StringComparison.Ordinal)) return null;
        try
        {
            // The pid could have been reused: the process must carry this route's token in its environment.
            var environ = File.ReadAllBytes($"/proc/{pid}/environ");
            var needle = System.Text.Encoding.UTF8.GetBytes(UserpodEnvironment.Token + "=" + route.Token + "\0");
            if (environ.AsSpan().IndexOf(needle) < 0) return null;
            return new UserpodProcess(userKey, route, Process.GetProcessById(pid), adopted: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _process.Dispose();
}
