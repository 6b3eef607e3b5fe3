using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>The router program as a separate process (for multi-router and restart tests).</summary>
public sealed class RouterProcess : IAsyncDisposable
{
    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    static extern int SysKill(int pid, int signal);

    readonly Process _process;
    readonly ConcurrentQueue<string> _output = new();

    public Uri BaseAddress { get; }
    public int Pid => _process.Id;
    public string Output => string.Join('\n', _output);

    RouterProcess(Process process, Uri baseAddress) { _process = process; BaseAddress = baseAddress; }

    public static async Task<RouterProcess> StartAsync(params string[] args)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(TestPaths.RouterDll);
            foreach (var a in new[] { "--urls", $"http://127.0.0.1:{port}", "--userpod-command", TestPaths.TestUserpodCommand }.Concat(args))
                psi.ArgumentList.Add(a);
            var process = Process.Start(psi)!;
            var router = new RouterProcess(process, new Uri($"http://127.0.0.1:{port}/"));
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) router._output.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) router._output.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            try
            {
                await Eventually.True(async () =>
                {
                    if (process.HasExited) throw new InvalidOperationException("router exited:\n" + router.Output);
                    try { return (await http.GetAsync(new Uri(router.BaseAddress, "readyz"))).IsSuccessStatusCode; }
                    catch (HttpRequestException) { return false; }
                    catch (TaskCanceledException) { return false; }
                }, TimeSpan.FromSeconds(30), "router ready");
                return router;
            }
            catch (InvalidOperationException) when (attempt < 2) { await router.DisposeAsync(); }
        }
    }

    public HttpClient ClientWithUid(string uid)
    {
        var jar = new CookieContainer();
        jar.Add(BaseAddress, new Cookie("htagkube_uid", uid));
        return new HttpClient(new SocketsHttpHandler { CookieContainer = jar }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Graceful stop: SIGTERM, as a service manager or Ctrl-C does.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        SysKill(_process.Id, 15);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { _process.Kill(); await _process.WaitForExitAsync(); }
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
