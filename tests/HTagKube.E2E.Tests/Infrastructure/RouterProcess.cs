using System.Diagnostics;
using System.Net;

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>
/// The real router program (local mode) running as a child process on a free loopback port,
/// exactly as `make run` runs it; it spawns real userpod processes.
/// </summary>
public sealed class RouterProcess : IAsyncDisposable
{
    readonly ServerProgram _program;

    RouterProcess(ServerProgram program) => _program = program;

    public Uri BaseAddress => _program.BaseAddress;
    public int Pid => _program.Pid;
    public bool HasExited => _program.HasExited;

    /// <summary>Everything the router printed (stdout and stderr), for assertions and failure messages.</summary>
    public string Output => _program.Output;

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

    /// <summary>Starts the router program on a free loopback port.</summary>
    /// <param name="extraArgs">Flags beyond the port.</param>
    /// <param name="ct">Gives up the start.</param>
    /// <param name="env">Extra environment of the router, inherited by the userpods it starts.</param>
    public static async Task<RouterProcess> StartAsync(IEnumerable<string>? extraArgs = null, CancellationToken ct = default,
        IReadOnlyDictionary<string, string>? env = null)
    {
        string[] args = [.. extraArgs ?? []];
        // A --dev router listens only once its first build (restore included) succeeded: minutes on a loaded machine
        // (CI run t2, load 53: over 120 s).
        var ready = args.Contains("--dev") ? TimeSpan.FromMinutes(6) : (TimeSpan?)null;
        return new(await ServerProgram.StartAsync(Repo.RouterDll, TestStartWait.Default(args), "healthz", env, ct, ready));
    }

    /// <summary>A client with its own cookie jar: one browser, as the router sees it.</summary>
    public HttpClient NewClient(CookieContainer? jar = null) =>
        new(new HttpClientHandler { CookieContainer = jar ?? new CookieContainer(), UseCookies = true, AllowAutoRedirect = false })
        { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Graceful stop (SIGTERM), as a user's Ctrl-C; falls back to SIGKILL after a grace period.</summary>
    public Task StopAsync(TimeSpan grace) => _program.StopAsync(grace);

    /// <summary>SIGKILL to the router alone: no shutdown code runs; its userpods see only their pipes end.</summary>
    public void Kill() => _program.Kill();

    /// <summary>State documents the router stored so far (its <c>htagkube_state_writes_total</c>).</summary>
    public async Task<long> StateWritesAsync() => (long)await _program.MetricAsync("htagkube_state_writes_total");

    /// <summary>
    /// Waits until the router stored <paramref name="n"/> state documents in all. A userpod writes its user's State beside
    /// an interaction's reply, not before it: a test that kills a userpod right after a click waits for that write first.
    /// </summary>
    public Task WaitStateWritesAsync(long n) =>
        Eventually.True(async () => await StateWritesAsync() >= n, TimeSpan.FromSeconds(30), $"{n} state write(s) stored");

    /// <summary>Waits until <paramref name="n"/> warm userpods are started, warmed up and unassigned (the router's gauge).</summary>
    public Task WaitWarmPoolReadyAsync(int n) => _program.WaitForMetricAsync($"htagkube_warm_pool_pods{{state=\"ready\"}} {n}", TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        var children = _program.HasExited ? [] : ProcessTree.Children(_program.Pid);
        await _program.StopAsync(TimeSpan.FromSeconds(10));
        foreach (var pid in children.Where(ProcessTree.IsAlive))
        {
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        }
        await _program.DisposeAsync();
    }
}
