using System.Diagnostics;
using System.Net;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;

namespace HTagKube.Container.Tests;

/// <summary>
/// The userpod image as the operator runs it (read-only root filesystem, only /tmp writable, a token): the contract
/// of docs/design.md §4b and §6, checked on the image `make images` built (htagkube/userpod:$HTAGKUBE_IMAGE_TAG).
/// </summary>
public sealed class UserpodImageTests : IAsyncLifetime
{
    static readonly string Image = "htagkube/userpod:" + (Environment.GetEnvironmentVariable("HTAGKUBE_IMAGE_TAG") ?? "0.1.0");
    const string Token = "container-test-token";
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    IContainer? _userpod;
    readonly List<(TimeSpan At, int Status)> _readyz = [];
    Task _probing = Task.CompletedTask;
    readonly CancellationTokenSource _stopProbing = new();

    public async Task InitializeAsync()
    {
        if (DockerDaemon.MissingReason is not null && !Cluster.IsCi) return; // skipped
        DockerDaemon.Configure();
        _userpod = new ContainerBuilder(Image)
            .WithImagePullPolicy(PullPolicy.Never)
            .WithEnvironment("HTAG_TOKEN", Token)
            .WithEnvironment("HTAG_WARMUP", "1") // as in the warm pool: /readyz answers 503 until every app rendered once
            .WithTmpfsMount("/tmp")
            .WithPortBinding(8080, assignRandomHostPort: true)
            .WithCreateParameterModifier(p =>
            {
                p.HostConfig ??= new HostConfig();
                p.HostConfig.ReadonlyRootfs = true;
                foreach (var binding in (p.HostConfig.PortBindings ?? new Dictionary<string, IList<PortBinding>>()).Values.SelectMany(b => b))
                    binding.HostIP = "127.0.0.1";
            })
            .Build();
        var started = Stopwatch.StartNew();
        await _userpod.StartAsync();
        _probing = ProbeReadyzAsync(started, _stopProbing.Token);
    }

    Uri Url(string path) => new($"http://127.0.0.1:{_userpod!.GetMappedPublicPort(8080)}{path}");

    /// <summary>Polls /readyz from the start on (connection refused until Kestrel listens is not recorded).</summary>
    async Task ProbeReadyzAsync(Stopwatch since, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var r = await _http.GetAsync(Url("/readyz"), ct);
                lock (_readyz) _readyz.Add((since.Elapsed, (int)r.StatusCode));
                if (r.StatusCode == HttpStatusCode.OK && _readyz.Count(x => x.Status == 200) >= 3) return;
            }
            catch (HttpRequestException) { } // not listening yet
            catch (OperationCanceledException) { return; }
            try { await Task.Delay(20, ct); } catch (OperationCanceledException) { return; }
        }
    }

    async Task ReadyAsync()
    {
        await _probing.WaitAsync(Wait);
        lock (_readyz) Assert.Contains(_readyz, x => x.Status == 200);
    }

    [DockerFact]
    public async Task Runs_as_a_numeric_non_root_user_on_a_read_only_root_filesystem()
    {
        await ReadyAsync();
        var id = await _userpod!.ExecAsync(["id", "-u"]);
        Assert.Equal("1000", id.Stdout.Trim());
        var root = await _userpod.ExecAsync(["touch", "/app/written"]);
        Assert.NotEqual(0, root.ExitCode);
        Assert.Contains("Read-only file system", root.Stderr);
        Assert.Equal(0, (await _userpod.ExecAsync(["touch", "/tmp/written"])).ExitCode);
    }

    [DockerFact]
    public async Task Readyz_turns_200_after_a_complete_warm_up_and_never_goes_back()
    {
        await ReadyAsync();
        (TimeSpan At, int Status)[] seen;
        lock (_readyz) seen = [.. _readyz];
        Assert.All(seen, x => Assert.True(x.Status is 200 or 503, $"/readyz answered {x.Status}"));
        var firstOk = Array.FindIndex(seen, x => x.Status == 200);
        Assert.All(seen[firstOk..], x => Assert.Equal(200, x.Status));
        // The image really warms up (HTAG_WARMUP=1) and renders every app. Whether a 503 is seen first is a race here:
        // the NativeAOT warm-up takes ~20 ms, often over before the container is reported started. That /readyz
        // answers 503 until the warm-up ends is tested without a race in HTag.Server.Tests (WarmUpTests).
        string stdout = "";
        await Eventually.True(async () => (stdout = (await _userpod!.GetLogsAsync()).Stdout).Contains("warm-up:"), Wait,
            "the warm-up's log line");
        var m = System.Text.RegularExpressions.Regex.Match(stdout, @"warm-up: (\d+) of (\d+) apps rendered");
        Assert.True(m.Success, stdout);
        Assert.Equal(m.Groups[2].Value, m.Groups[1].Value);
        Assert.NotEqual("0", m.Groups[2].Value);
    }

    [DockerFact]
    public async Task Refuses_every_request_without_the_token_except_health()
    {
        await ReadyAsync();
        using (var none = await _http.GetAsync(Url("/")))
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, Url("/")) { Headers = { { "X-HTag-Token", "not-" + Token } } })
        using (var r = await _http.SendAsync(wrong))
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using (var right = new HttpRequestMessage(HttpMethod.Get, Url("/")) { Headers = { { "X-HTag-Token", Token } } })
        using (var r = await _http.SendAsync(right))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var health = await _http.GetAsync(Url("/healthz")))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [DockerFact]
    public async Task Sigterm_stops_it_with_exit_code_0_within_the_pod_grace_period()
    {
        await ReadyAsync();
        var sw = Stopwatch.StartNew();
        // docker stop: SIGTERM to PID 1, the userpod itself (no shell in between), as the kubelet sends it; SIGKILL
        // only if it is still running much later (then the exit code would be 137).
        await _userpod!.StopAsync().WaitAsync(Wait);
        Assert.Equal(0, await _userpod.GetExitCodeAsync().WaitAsync(Wait));
        // The operator gives userpods terminationGracePeriodSeconds: 5 (SessionManifests).
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"exit took {sw.Elapsed}");
    }

    public async Task DisposeAsync()
    {
        await _stopProbing.CancelAsync();
        await _probing.ContinueWith(_ => { }, TaskScheduler.Default);
        if (_userpod is not null) await _userpod.DisposeAsync();
        _http.Dispose();
    }
}
