using System.Diagnostics;
using System.Net;
using HTagKube.Router.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HTagKube.Router.Tests.Reliability;

/// <summary>Runs alone: it counts every userpod on the machine that carries its marker, and loads the machine.</summary>
[CollectionDefinition(nameof(Chaos), DisableParallelization = true)]
public sealed class Chaos;

/// <summary>
/// No orphaned userpod, whatever dies when: the router program (a child process, the real Demo userpods) is stopped
/// with SIGTERM or SIGKILL at random moments — while it and its warm pool start, while the pool warms up, during a
/// burst of new users, during its own graceful stop — in local mode and in Redis mode (published sessions released
/// with <c>--keep-userpods</c> or not, and Redis killed with it now and then). Once the idle timeout and its grace
/// have passed, no userpod of any of those routers may be alive. The seed is printed; HTAGKUBE_CHAOS_SEED replays it.
/// </summary>
[Collection(nameof(Chaos))]
public sealed class RouterChaosTests(ITestOutputHelper output)
{
    const int Kills = 100;
    const string Marker = "HTAGKUBE_CHAOS_RUN";
    static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(2);

    enum Moment { Start, WarmUp, Burst, OwnShutdown }

    [Fact]
    public async Task Routers_stopped_at_random_moments_leave_no_userpod_alive_after_the_idle_timeout()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("HTAGKUBE_CHAOS_SEED"), out var s) ? s : Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        var run = Guid.NewGuid().ToString("N");
        var seen = new HashSet<int>();
        var tally = new Dictionary<string, int>();
        await using var redis = await RedisServer.StartAsync();
        try
        {
            for (var i = 0; i < Kills; i++)
            {
                var redisMode = i % 2 == 1;
                var moment = (Moment)rng.Next(4);
                var sigkill = rng.Next(2) == 0;
                var keep = redisMode && rng.Next(2) == 0;
                var redisToo = redisMode && rng.Next(3) == 0;
                var what = $"{(redisMode ? keep ? "redis+keep" : "redis" : "local")} {moment} {(sigkill ? "SIGKILL" : "SIGTERM")}{(redisToo ? " +redis" : "")}";
                tally[what] = tally.GetValueOrDefault(what) + 1;
                await RoundAsync(rng, run, redisMode ? redis : null, keep, moment, sigkill, redisToo, seen);
            }
            output.WriteLine($"{Kills} router stops, {seen.Count} userpods seen:");
            foreach (var (what, n) in tally.OrderBy(t => t.Key)) output.WriteLine($"  {n} × {what}");

            // Every userpod stops by itself within idle timeout + grace (5 s) of its last request, or at once when its
            // lifeline ends; the deadline leaves room for a loaded machine.
            var left = Array.Empty<int>();
            try
            {
                await Eventually.True(() => (left = Marked(run)).Length == 0, TimeSpan.FromSeconds(90), "every userpod of the stopped routers gone");
            }
            catch (TimeoutException)
            {
                Assert.Fail($"{left.Length} of {seen.Count} userpods still alive:\n" + string.Join('\n', left.Select(Describe)));
            }
        }
        finally
        {
            foreach (var pid in Marked(run)) Signal(pid, kill: true);
        }
    }

    async Task RoundAsync(Random rng, string run, RedisServer? redis, bool keep, Moment moment, bool sigkill, bool redisToo, HashSet<int> seen)
    {
        if (redis is not null && !await redis.PingAsync()) await redis.RestartAsync(TimeSpan.Zero);
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(TestPaths.RouterDll);
        foreach (var a in new[] { "--urls", $"http://127.0.0.1:{port}", "--idle-timeout", IdleTimeout.ToString("c"), "--warm-pool", "1" })
            psi.ArgumentList.Add(a);
        if (redis is not null)
        {
            psi.ArgumentList.Add("--redis");
            psi.ArgumentList.Add(redis.Configuration);
            if (keep) psi.ArgumentList.Add("--keep-userpods");
        }
        psi.Environment[Marker] = run; // inherited by every userpod it starts: how the count finds them
        psi.Environment.Remove("HTAGKUBE_REDIS");
        using var router = Process.Start(psi)!;
        router.OutputDataReceived += (_, _) => { };
        router.ErrorDataReceived += (_, _) => { };
        router.BeginOutputReadLine();
        router.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        var users = new List<Task>();
        try
        {
            if (moment == Moment.Start) await Task.Delay(rng.Next(0, 1500)); // the router's start, its warm pool's start
            else
            {
                await Eventually.True(async () =>
                {
                    if (router.HasExited) throw new InvalidOperationException("the router exited on its own");
                    try { return (await http.GetAsync("healthz")).StatusCode == HttpStatusCode.OK; }
                    catch (HttpRequestException) { return false; }
                    catch (TaskCanceledException) { return false; }
                }, TimeSpan.FromSeconds(60), "router /healthz");
                switch (moment)
                {
                    case Moment.WarmUp:
                        await Task.Delay(rng.Next(0, 400)); // the warm userpod starting and rendering its apps
                        break;
                    case Moment.Burst:
                        for (var u = 0; u < 3; u++) users.Add(NewUserAsync(port));
                        await Task.Delay(rng.Next(0, 800)); // userpods starting, being claimed, published
                        break;
                    case Moment.OwnShutdown:
                        await NewUserAsync(port);
                        Signal(router.Id, kill: false);
                        await Task.Delay(rng.Next(0, 300)); // somewhere in its graceful stop
                        break;
                }
            }
            foreach (var pid in Marked(run)) seen.Add(pid);
            Signal(router.Id, sigkill);
            if (redisToo) await redis!.StopAsync();
        }
        finally
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await router.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { router.Kill(entireProcessTree: false); await router.WaitForExitAsync(); }
            foreach (var u in users) await u.ContinueWith(_ => { }, TaskScheduler.Default); // their failures are the point
        }
    }

    /// <summary>A new browser: its own cookie jar, one page.</summary>
    static async Task NewUserAsync(int port)
    {
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() })
        { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(20) };
        using var _ = await client.GetAsync("counter");
    }

    /// <summary>Live processes whose environment carries this run's marker (the routers' userpods).</summary>
    static int[] Marked(string run) => ProcessTree.WithEnvironment(Marker, run, "HTagKube.Demo.dll");

    static string Describe(int pid)
    {
        string env;
        try
        {
            env = string.Join(' ', File.ReadAllText($"/proc/{pid}/environ").Split('\0')
                .Where(v => v.StartsWith("HTAG_LIFELINE=", StringComparison.Ordinal) || v.StartsWith("HTAG_WARMUP=", StringComparison.Ordinal)
                            || v.StartsWith("HTAG_IDLE_TIMEOUT=", StringComparison.Ordinal)));
        }
        catch (IOException) { env = "?"; }
        string Read(string f) { try { return File.ReadAllText($"/proc/{pid}/{f}").Trim(); } catch (IOException) { return "?"; } }
        string Link(string f) { try { return new FileInfo($"/proc/{pid}/{f}").LinkTarget ?? "?"; } catch (IOException) { return "?"; } }
        var stat = Read("stat");
        var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return $"  pid {pid} ({env}) state {afterName[0]} ppid {afterName[1]} wchan {Read("wchan")} stdin {Link("fd/0")} stdout {Link("fd/1")}: {ProcessTree.CommandLine(pid)}";
    }

    static void Signal(int pid, bool kill)
    {
        if (kill) { try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { } }
        else ProcessTree.Terminate(pid);
    }

    static int FreePort() => ServerProgram.FreePort();
}
