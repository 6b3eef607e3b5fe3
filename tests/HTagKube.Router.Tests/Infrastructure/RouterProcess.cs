using System.Net;
using HTagKube.Router.Identity;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>The router program as a separate process (for multi-router and restart tests), running the test userpod.</summary>
public sealed class RouterProcess : IAsyncDisposable
{
    readonly ServerProgram _program;
    readonly (UidSeal Seal, StackExchange.Redis.IConnectionMultiplexer Redis)? _shared;

    RouterProcess(ServerProgram program, (UidSeal, StackExchange.Redis.IConnectionMultiplexer)? shared)
    {
        _program = program;
        _shared = shared;
    }

    public Uri BaseAddress => _program.BaseAddress;
    public int Pid => _program.Pid;
    public string Output => _program.Output;

    public static async Task<RouterProcess> StartAsync(params string[] args)
    {
        var program = await ServerProgram.StartAsync(TestPaths.RouterDll, ["--userpod-command", TestPaths.TestUserpodCommand, .. TestStartWait.Default(args)], "readyz");
        // With Redis the test can seal cookies as the router does (the key ring is in Redis); without, it is the process's own.
        var redis = Array.IndexOf(args, "--redis");
        return new RouterProcess(program, redis >= 0 ? await RouterCookies.SharedSealAsync(args[redis + 1]) : null);
    }

    /// <summary>The seal every router on this Redis uses (Redis mode only: the key ring is shared there).</summary>
    public UidSeal Uids => _shared?.Seal ?? throw new InvalidOperationException("a router process without Redis keeps its key ring to itself");

    /// <summary>A client carrying <paramref name="uid"/> as a router-issued cookie (Redis mode only).</summary>
    public HttpClient ClientWithUid(string uid)
    {
        var jar = new CookieContainer();
        jar.SetCookies(BaseAddress, RouterCookies.Header(Uids, uid));
        return new HttpClient(new SocketsHttpHandler { CookieContainer = jar }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A client with an empty cookie jar: the router issues its cookie.</summary>
    public HttpClient NewClient() =>
        new(new SocketsHttpHandler { CookieContainer = new CookieContainer() }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Graceful stop: SIGTERM, as a service manager or Ctrl-C does.</summary>
    public Task StopAsync() => _program.StopAsync(TimeSpan.FromSeconds(20));

    /// <summary>SIGKILL to the router alone: no shutdown code runs; its userpods see only their pipes end.</summary>
    public void Kill() => _program.Kill();

    /// <summary>Waits until <paramref name="n"/> warm userpods are started, warmed up and unassigned (the router's gauge).</summary>
    public Task WaitWarmPoolReadyAsync(int n) => _program.WaitForMetricAsync($"htagkube_warm_pool_pods{{state=\"ready\"}} {n}", TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        await _program.DisposeAsync();
        if (_shared is { } shared) await shared.Redis.DisposeAsync();
    }
}
