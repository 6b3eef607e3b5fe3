using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Reliability;

/// <summary>
/// Redis faults from outside the process, on the Redis image the chart runs here (htagkube/redis:7): the container
/// paused (a partition: connections stay open, nothing answers) and restarted (data gone), under live traffic through
/// two routers sharing it. Nobody moves to a new userpod, errors are 503 with Retry-After, routes come back.
/// </summary>
public sealed class RedisContainerFaultTests : IAsyncLifetime
{
    static readonly TimeSpan Back = TimeSpan.FromSeconds(10);
    IContainer? _redis;
    string _configuration = "";

    public async Task InitializeAsync()
    {
        if (DockerDaemon.MissingReason is not null && !Cluster.IsCi) return; // skipped
        DockerDaemon.Configure();
        // A fixed host port: a restarted container must come back where the routers reconnect.
        var port = FreePort();
        _redis = new ContainerBuilder("htagkube/redis:7")
            .WithImagePullPolicy(PullPolicy.Never)
            .WithCommand("--protected-mode", "no", "--save", "", "--appendonly", "no") // in memory only: a restart loses the data
            .WithPortBinding(port, 6379)
            .WithCreateParameterModifier(p =>
            {
                foreach (var binding in (p.HostConfig?.PortBindings ?? new Dictionary<string, IList<Docker.DotNet.Models.PortBinding>>()).Values.SelectMany(b => b))
                    binding.HostIP = "127.0.0.1";
            })
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Ready to accept connections"))
            .Build();
        await _redis.StartAsync();
        _configuration = $"127.0.0.1:{port}";
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [DockerFact]
    public async Task Paused_then_restarted_redis_moves_nobody_and_errors_are_503_with_retry_after()
    {
        string[] args = ["--redis", _configuration, "--touch-interval", "00:00:00.2", "--keep-userpods", "false", "--warm-pool", "0"];
        await using var a = await RouterProcess.StartAsync(args);
        await using var b = await RouterProcess.StartAsync(args);
        var users = Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? a : b).ClientWithUid(UserKey.NewUid())).ToList();
        var pids = new List<int>();
        foreach (var u in users) pids.Add(await PidAsync(u));

        using var stop = new CancellationTokenSource();
        var answers = new ConcurrentQueue<(DateTime At, HttpStatusCode Status, bool RetryAfter, int? Pid)>();
        var traffic = users.Select(async u =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var res = await u.GetAsync("whoami", stop.Token);
                    var pid = res.IsSuccessStatusCode ? Pid(await res.Content.ReadAsStringAsync(stop.Token)) : (int?)null;
                    answers.Enqueue((DateTime.UtcNow, res.StatusCode, res.Headers.RetryAfter is not null, pid));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
                await Task.Delay(20, CancellationToken.None);
            }
        }).ToList();

        await Eventually.True(() => answers.Count > 40, TimeSpan.FromSeconds(20), "traffic flowing");
        await _redis!.PauseAsync();
        await Task.Delay(TimeSpan.FromSeconds(3)); // the outage lasts: longer than the routers' Redis timeouts
        await _redis.UnpauseAsync();
        var resumed = DateTime.UtcNow;
        await Eventually.True(() => answers.Any(x => x.At > resumed && x.Status == HttpStatusCode.OK), Back, "answers after the partition");

        await _redis.StopAsync();
        await _redis.StartAsync(); // same port, empty data set
        var restarted = DateTime.UtcNow;
        await Eventually.True(() => users.Count == answers.Where(x => x.At > restarted && x.Status == HttpStatusCode.OK).Select(x => x.Pid).Distinct().Count(),
            Back + TimeSpan.FromSeconds(5), "every user answered again after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(traffic);

        Assert.All(answers, x =>
        {
            Assert.True(x.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, x.Status.ToString());
            if (x.Status == HttpStatusCode.ServiceUnavailable) Assert.True(x.RetryAfter, "a 503 without Retry-After");
        });
        Assert.All(answers.Where(x => x.Pid is not null), x => Assert.Contains(x.Pid!.Value, pids)); // nobody moved
        for (var i = 0; i < users.Count; i++) Assert.Equal(pids[i], await PidAsync(users[i]));
        foreach (var u in users) u.Dispose();
    }

    static async Task<int> PidAsync(HttpClient user)
    {
        var res = await user.GetAsync("whoami");
        res.EnsureSuccessStatusCode();
        return Pid(await res.Content.ReadAsStringAsync());
    }

    static int Pid(string whoami) => int.Parse(whoami.Split(' ')[0]["pid=".Length..]);

    public async Task DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
