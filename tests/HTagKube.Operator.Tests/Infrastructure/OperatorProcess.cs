using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>The real operator program (HTagKube.Operator.dll) as a child process against the cluster.</summary>
public sealed partial class OperatorProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _log = new();
    readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Pid => _process.Id;
    public IEnumerable<string> Log => _log;
    public Uri Url => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException("not listening yet");

    OperatorProcess(Process p) => _process = p;

    public static string DllPath
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "HTagKube.Operator.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException("operator not built next to the tests", dll);
            return dll;
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();

    public static async Task<OperatorProcess> StartAsync(string ns, string redis, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in new[]
        {
            "--urls", "http://127.0.0.1:0", "--namespace", ns, "--redis", redis, "--image", Images.Userpod,
            "--route-check", "1s", "--recreate-backoff", "1s", "--lease-duration", "3s",
            "--pod-start-timeout", "60s", "--activity-sync", "2s",
        }.Concat(extra)) psi.ArgumentList.Add(a);
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        psi.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        psi.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        psi.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var p = Process.Start(psi) ?? throw new InvalidOperationException("operator did not start");
        var op = new OperatorProcess(p);
        void OnLine(string? line)
        {
            if (line is null) return;
            op._log.Enqueue(line);
            if (Listening().Match(line) is { Success: true } m) op._listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
        p.OutputDataReceived += (_, e) => OnLine(e.Data);
        p.ErrorDataReceived += (_, e) => OnLine(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await op._listening.Task.WaitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            await op.DisposeAsync();
            throw new TimeoutException("operator did not start listening:\n" + string.Join("\n", op._log));
        }
        return op;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: no lease release, no cleanup (a crash).</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
