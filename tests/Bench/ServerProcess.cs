using System.Diagnostics;
using System.Runtime.InteropServices;

namespace HTagKube.Bench;

/// <summary>
/// A server the bench starts as a real process (userpod, bare app, echo, router): spawn time, the
/// <c>htag-listening:</c> line, signals, and a bounded, complete shutdown.
/// </summary>
sealed partial class ServerProcess : IAsyncDisposable
{
    public const string ListeningPrefix = "htag-listening:";
    public const string NoConfigWatch = "DOTNET_hostBuilder__reloadConfigOnChange";

    readonly Process _process;
    readonly Queue<string> _lastErrors = new();
    public string Label { get; }
    public int Pid => _process.Id;
    public long SpawnedTimestamp { get; }
    public DateTimeOffset SpawnedAt { get; }
    /// <summary>Base URL (http://127.0.0.1:port) once known.</summary>
    public Uri? BaseUri { get; private set; }
    public string? Token { get; }
    /// <summary>Spawn → listening line (ms).</summary>
    public double ListeningMs { get; private set; }

    ServerProcess(string label, Process process, long spawned, DateTimeOffset spawnedAt, string? token)
    {
        Label = label; _process = process; SpawnedTimestamp = spawned; SpawnedAt = spawnedAt; Token = token;
    }

    /// <summary>Starts <c>dotnet {dll} {args}</c> with extra environment (null value = removed).</summary>
    public static ServerProcess Start(string label, string fileName, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?>? env = null, string? token = null, bool announcesListening = true)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        // The bench's own knobs must not leak into what it measures.
        foreach (var k in psi.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) && k is not "DOTNET_NOLOGO" and not "DOTNET_ROOT").ToList())
            psi.Environment.Remove(k);
        psi.Environment.Remove("ASPNETCORE_URLS");
        psi.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        if (token is not null) psi.Environment["HTAG_TOKEN"] = token;
        // Interactions at bench speed exceed the per-socket abuse limit (50/s); the limit is not what is measured.
        psi.Environment["HTAG_MAX_INTERACTIONS_PER_SECOND"] = "1000000";
        // Without it every process holds an inotify instance to watch appsettings.json; the kernel allows 128 per uid, so
        // dozens of userpods (plus everyone else's processes) abort at start (exit 134). See docs/benchmarks.md.
        psi.Environment[NoConfigWatch] = "false";
        if (env is not null)
            foreach (var (k, v) in env)
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        var spawnedAt = DateTimeOffset.UtcNow;
        var t0 = Stopwatch.GetTimestamp();
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"{label}: process did not start");
        var sp = new ServerProcess(label, p, t0, spawnedAt, token);
        _ = sp.DrainErrorsAsync();
        // A full stdout pipe would block the server's logger (and then its requests): always read it.
        if (!announcesListening) _ = sp.DrainOutputAsync();
        return sp;
    }

    /// <summary>Reads stdout until the listening line; then keeps draining it so the pipe never fills.</summary>
    public async Task<Uri> WaitListeningAsync(CancellationToken ct)
    {
        while (await _process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith(ListeningPrefix, StringComparison.Ordinal)) continue;
            ListeningMs = Stopwatch.GetElapsedTime(SpawnedTimestamp).TotalMilliseconds;
            var url = line[ListeningPrefix.Length..].Trim().Replace("://localhost", "://127.0.0.1").Replace("://[::]", "://127.0.0.1");
            BaseUri = new Uri(url);
            _ = DrainOutputAsync();
            return BaseUri;
        }
        await _process.WaitForExitAsync(ct);
        throw new InvalidOperationException($"{Label} exited with {_process.ExitCode} before listening: {string.Join(" | ", _lastErrors)}");
    }

    /// <summary>For a server started on a known port (the router): polls GET path until 200.</summary>
    public async Task WaitHealthyAsync(Uri baseUri, string path, TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Label} exited with {_process.ExitCode}: {string.Join(" | ", _lastErrors)}");
            try
            {
                using var r = await http.GetAsync(new Uri(baseUri, path), ct);
                if (r.IsSuccessStatusCode) { BaseUri = baseUri; ListeningMs = Stopwatch.GetElapsedTime(SpawnedTimestamp).TotalMilliseconds; return; }
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"{Label} not healthy within {timeout}");
            await Task.Delay(20, ct); // polling a process we started for readiness; no event to wait on
        }
    }

    /// <summary>Where drained stdout goes ($BENCH_LOG_DIR/label-pid.log), for diagnosing a failed run; null = discarded.</summary>
    string? LogFile => Environment.GetEnvironmentVariable("BENCH_LOG_DIR") is { Length: > 0 } d ? Path.Combine(d, $"{Label}-{Pid}.log") : null;

    async Task DrainOutputAsync()
    {
        var log = LogFile;
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
                if (log is not null) await File.AppendAllTextAsync(log, line + "\n");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
    }

    async Task DrainErrorsAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                if (LogFile is { } log) await File.AppendAllTextAsync(log, "err: " + line + "\n");
                lock (_lastErrors) { _lastErrors.Enqueue(line); if (_lastErrors.Count > 10) _lastErrors.Dequeue(); }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
    }

    public bool HasExited => _process.HasExited;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SysKill(int pid, int sig);

    public static void Signal(int pid, int sig) => _ = SysKill(pid, sig);

    /// <summary>SIGTERM, up to <paramref name="grace"/> to exit, then SIGKILL (and any children it left).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        var children = ProcFs.Children(_process.Id);
        Signal(_process.Id, 15);
        using var cts = new CancellationTokenSource(grace);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }
        foreach (var c in children)
            if (ProcFs.IsAlive(c)) Signal(c, 9);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}
