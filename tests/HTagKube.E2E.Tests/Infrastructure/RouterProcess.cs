using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>
/// The real router program (local mode) running as a child process on a free loopback port,
/// exactly as `make run` runs it; it spawns real userpod processes.
/// </summary>
public sealed class RouterProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _output = new();

    RouterProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the router printed (stdout and stderr), for assertions and failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Userpod processes assigned to users and still alive: the pids of the router's loopback
    /// <c>/_htagkube/sessions</c> listing. Warm-pool processes (<c>--warm-pool</c>) are not users' sessions: see
    /// <see cref="WarmPool"/>. Synchronous (HttpClient.Send) so that it reads like the process listing it replaced.
    /// </summary>
    public IReadOnlyList<int> Userpods
    {
        get
        {
            using var admin = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            using var res = admin.Send(new HttpRequestMessage(HttpMethod.Get, "_htagkube/sessions"));
            res.EnsureSuccessStatusCode();
            using var listing = System.Text.Json.JsonDocument.Parse(res.Content.ReadAsStream());
            return listing.RootElement.EnumerateArray()
                .Select(s => s.GetProperty("pid").GetInt32())
                .Where(ProcessTree.IsAlive)
                .ToList();
        }
    }

    /// <summary>Userpod processes this router spawned that no user has: its warm pool.</summary>
    public IReadOnlyList<int> WarmPool
    {
        get
        {
            var children = ProcessTree.ChildrenRunning(Pid, "HTagKube.Demo.dll");
            var assigned = Userpods.ToHashSet();
            return children.Where(p => !assigned.Contains(p)).ToList();
        }
    }

    public static async Task<RouterProcess> StartAsync(IEnumerable<string>? extraArgs = null, CancellationToken ct = default)
    {
        if (!File.Exists(Repo.RouterDll)) throw new FileNotFoundException("build the router first", Repo.RouterDll);
        // Kestrel cannot report a port chosen by the OS to us before it prints, so pick a free one and
        // retry on the rare collision (the router exits when the port is taken).
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(Repo.RouterDll)!,
            };
            psi.ArgumentList.Add(Repo.RouterDll);
            psi.ArgumentList.Add("--urls");
            psi.ArgumentList.Add($"http://127.0.0.1:{port}");
            foreach (var a in extraArgs ?? []) psi.ArgumentList.Add(a);
            var process = Process.Start(psi)!;
            var router = new RouterProcess(process, new Uri($"http://127.0.0.1:{port}/"));
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) router._output.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) router._output.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await router.WaitHealthyAsync(TimeSpan.FromSeconds(60), ct);
                return router;
            }
            catch when (attempt < 2 && process.HasExited)
            {
                await router.DisposeAsync();
            }
        }
    }

    async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.True(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException("router exited:\n" + Output);
            try { return (await http.GetAsync("healthz", ct)).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { return false; } // one slow answer: ask again
        }, timeout, "router /healthz", ct);
    }

    /// <summary>A client with its own cookie jar: one browser, as the router sees it.</summary>
    public HttpClient NewClient(CookieContainer? jar = null) =>
        new(new HttpClientHandler { CookieContainer = jar ?? new CookieContainer(), UseCookies = true, AllowAutoRedirect = false })
        { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Graceful stop (SIGTERM), as a user's Ctrl-C; falls back to SIGKILL after a grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        ProcessTree.Terminate(_process.Id);
        using var cts = new CancellationTokenSource(grace);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
    }

    public async ValueTask DisposeAsync()
    {
        var children = _process.HasExited ? [] : ProcessTree.Children(_process.Id);
        await StopAsync(TimeSpan.FromSeconds(10));
        foreach (var pid in children.Where(ProcessTree.IsAlive))
        {
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        }
        _process.Dispose();
    }
}
