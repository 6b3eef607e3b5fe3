using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HTagKube.Testing;

/// <summary>
/// A child process that announces where it serves in one output line (a port it chose, an issuer URL); disposing it
/// stops it (SIGKILL) and waits for its exit.
/// </summary>
public sealed class AnnouncingProcess : IAsyncDisposable
{
    readonly Process _process;

    AnnouncingProcess(Process process, Match announcement) { _process = process; Announcement = announcement; }

    /// <summary>The output line's match.</summary>
    public Match Announcement { get; }

    /// <summary>
    /// Starts <paramref name="psi"/> (its output redirected here) and waits for a stdout/stderr line matching
    /// <paramref name="announcement"/>. If it exits or stays silent for <paramref name="timeout"/>, it is killed and the
    /// error carries everything it printed.
    /// </summary>
    public static async Task<AnnouncingProcess> StartAsync(ProcessStartInfo psi, Regex announcement, TimeSpan timeout,
        CancellationToken ct = default)
    {
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        var process = Process.Start(psi) ?? throw new InvalidOperationException(psi.FileName + " did not start");
        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (output) output.Add(line);
            var m = announcement.Match(line);
            if (m.Success) found.TrySetResult(m);
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var first = await Task.WhenAny(found.Task, process.WaitForExitAsync(ct), Task.Delay(timeout, ct));
            if (first == found.Task) return new AnnouncingProcess(process, await found.Task);
        }
        catch (OperationCanceledException) { }
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        lock (output) throw new InvalidOperationException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} did not announce itself:\n" + string.Join('\n', output));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
