using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HTagKube.Testing;

/// <summary>Starts a child process that announces where it serves in one output line (a port it chose, an issuer URL).</summary>
public static class AnnouncingProcess
{
    /// <summary>
    /// Starts <paramref name="psi"/> (its output redirected here) and waits for a stdout/stderr line matching
    /// <paramref name="announcement"/>: the process and that match. If it exits or stays silent for
    /// <paramref name="timeout"/>, it is killed and the error carries everything it printed.
    /// </summary>
    public static async Task<(Process Process, Match Announcement)> StartAsync(ProcessStartInfo psi, Regex announcement, TimeSpan timeout,
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
            if (first == found.Task) return (process, await found.Task);
        }
        catch (OperationCanceledException) { }
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        lock (output) throw new InvalidOperationException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} did not announce itself:\n" + string.Join('\n', output));
    }
}
