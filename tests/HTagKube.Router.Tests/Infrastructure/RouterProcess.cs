using System.Net;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>The router program as a separate process (for multi-router and restart tests), running the test userpod.</summary>
public sealed class RouterProcess : IAsyncDisposable
{
    readonly ServerProgram _program;

    RouterProcess(ServerProgram program) => _program = program;

    public Uri BaseAddress => _program.BaseAddress;
    public int Pid => _program.Pid;
    public string Output => _program.Output;

    public static async Task<RouterProcess> StartAsync(params string[] args) =>
        new(await ServerProgram.StartAsync(TestPaths.RouterDll, ["--userpod-command", TestPaths.TestUserpodCommand, .. args], "readyz"));

    public HttpClient ClientWithUid(string uid)
    {
        var jar = new CookieContainer();
        jar.Add(BaseAddress, new Cookie("htagkube_uid", uid));
        return new HttpClient(new SocketsHttpHandler { CookieContainer = jar }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Graceful stop: SIGTERM, as a service manager or Ctrl-C does.</summary>
    public Task StopAsync() => _program.StopAsync(TimeSpan.FromSeconds(20));

    /// <summary>SIGKILL to the router alone: no shutdown code runs; its userpods see only their pipes end.</summary>
    public void Kill() => _program.Kill();

    /// <summary>Waits until <paramref name="n"/> warm userpods are started, warmed up and unassigned (the router's gauge).</summary>
    public Task WaitWarmPoolReadyAsync(int n) => _program.WaitForMetricAsync($"htagkube_warm_pool_pods{{state=\"ready\"}} {n}", TimeSpan.FromSeconds(60));

    public ValueTask DisposeAsync() => _program.DisposeAsync();
}
