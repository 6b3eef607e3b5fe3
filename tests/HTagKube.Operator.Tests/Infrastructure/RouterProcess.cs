using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>The real router program in Kubernetes mode (<c>--kubernetes --redis</c>) as a child process.</summary>
public sealed class RouterProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _log = new();

    RouterProcess(Process p, Uri url)
    {
        _process = p;
        BaseAddress = url;
    }

    public Uri BaseAddress { get; }
    public IEnumerable<string> Log => _log;

    public static async Task<RouterProcess> StartAsync(string ns, string redis, TimeSpan idleTimeout)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "HTagKube.Router.dll");
        for (var attempt = 0; ; attempt++)
        {
            var port = RedisServer.FreePort(); // Kestrel cannot tell us an OS-chosen port before it prints; retry on collision
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[]
            {
                dll, "--urls", $"http://127.0.0.1:{port}", "--kubernetes", "--redis", redis,
                "--idle-timeout", idleTimeout.ToString("c"), "--touch-interval", "00:00:01",
            }) psi.ArgumentList.Add(a);
            psi.Environment["HTAGKUBE_NAMESPACE"] = ns;
            var p = Process.Start(psi) ?? throw new InvalidOperationException("router did not start");
            var router = new RouterProcess(p, new Uri($"http://127.0.0.1:{port}/"));
            p.OutputDataReceived += (_, e) => { if (e.Data is not null) router._log.Enqueue(e.Data); };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) router._log.Enqueue(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { BaseAddress = router.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
                await Eventually.True(async () =>
                {
                    if (p.HasExited) throw new InvalidOperationException("router exited:\n" + string.Join("\n", router._log));
                    try { return (await http.GetAsync("healthz")).StatusCode == HttpStatusCode.OK; }
                    catch (HttpRequestException) { return false; }
                }, TimeSpan.FromSeconds(60), "router /healthz");
                return router;
            }
            catch (InvalidOperationException) when (attempt < 2 && p.HasExited && router._log.Any(l => l.Contains("address already in use", StringComparison.OrdinalIgnoreCase)))
            {
                await router.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
