using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace HTagKube.Testing;

/// <summary>
/// A server program (<c>dotnet X.dll --urls http://127.0.0.1:PORT …</c>) as a child process: its output captured, ready
/// once its health path answers (failing at once if it exits), stopped with SIGTERM and, after a grace period, SIGKILL.
/// </summary>
public sealed class ServerProgram : IAsyncDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _lines = new();

    ServerProgram(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public Process Process => _process;

    /// <summary>Every line the program printed (stdout and stderr).</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>All of <see cref="Lines"/>, for assertions and failure messages.</summary>
    public string Output => string.Join('\n', _lines);

    /// <param name="dll">The program.</param>
    /// <param name="args">Arguments after <c>--urls</c>.</param>
    /// <param name="healthPath">Answers 200 once the program is ready.</param>
    /// <param name="env">Extra environment.</param>
    /// <param name="ct">Gives up.</param>
    /// <param name="ready">How long it may take to answer <paramref name="healthPath"/> (default 120 s).</param>
    public static async Task<ServerProgram> StartAsync(string dll, IEnumerable<string> args, string healthPath = "healthz",
        IReadOnlyDictionary<string, string>? env = null, CancellationToken ct = default, TimeSpan? ready = null)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException("build it first", dll);
        var argList = args.ToList();
        // Kestrel cannot tell a port the OS chose before it prints, so pick a free one and retry on the rare collision.
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(dll)!,
            };
            psi.ArgumentList.Add(dll);
            psi.ArgumentList.Add("--urls");
            psi.ArgumentList.Add($"http://127.0.0.1:{port}");
            foreach (var a in argList) psi.ArgumentList.Add(a);
            foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
            var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
            var server = new ServerProgram(process, new Uri($"http://127.0.0.1:{port}/"));
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) server._lines.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) server._lines.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
                await Eventually.True(async () =>
                {
                    if (process.HasExited) throw new InvalidOperationException($"{Path.GetFileName(dll)} exited:\n" + server.Output);
                    try { return (await http.GetAsync(healthPath, ct)).StatusCode == HttpStatusCode.OK; }
                    catch (HttpRequestException) { return false; }
                    catch (TaskCanceledException) when (!ct.IsCancellationRequested) { return false; } // one slow answer: ask again
                }, ready ?? TimeSpan.FromSeconds(120), $"{Path.GetFileName(dll)} /{healthPath}", ct,
                    () => Task.FromResult("its output so far:\n" + server.Output));
                return server;
            }
            catch (InvalidOperationException) when (attempt < 2 && server.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync(); // a program that never became ready is not left running (CI run t2 left one)
                throw;
            }
        }
    }

    /// <summary>SIGTERM, as a service manager or Ctrl-C; SIGKILL (the whole tree) if still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        _ = kill(_process.Id, 15);
        using var cts = new CancellationTokenSource(grace);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
    }

    /// <summary>SIGKILL to this process alone: no shutdown code runs; its children see only their pipes end.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>Waits until <c>/metrics</c> has the line <paramref name="sample"/> (<c>name value</c>).</summary>
    public async Task WaitForMetricAsync(string sample, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.True(async () => (await http.GetStringAsync("metrics")).Split('\n').Contains(sample), timeout, $"metrics line '{sample}'");
    }

    /// <summary>The value of the unlabelled metric <paramref name="name"/> on the program's <c>/metrics</c> (0 when absent).</summary>
    public async Task<double> MetricAsync(string name)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        foreach (var line in (await http.GetStringAsync("metrics")).Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
                return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(20));
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>
    /// A port free now and below the kernel's ephemeral range (32768+), for a server that starts long after the pick:
    /// a port from the ephemeral range can meanwhile become the local end of any process's outgoing connection (the
    /// clients retrying that very server included), and the late bind then fails.
    /// </summary>
    public static int FreePortBelowEphemeralRange()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException) when (attempt < 100) { }
        }
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
