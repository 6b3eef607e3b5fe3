using System.Diagnostics;
using System.Net;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Reliability;

/// <summary>Issue 4: a userpod killed with SIGKILL is replaced on the user's next request, fast.</summary>
public sealed class DeadRouteTests
{
    [Fact]
    public async Task After_kill_9_of_a_userpod_the_next_request_gets_a_new_one()
    {
        await using var router = await RouterHost.StartAsync();
        var uid = UserKey.NewUid();
        using var user = router.ClientWithUid(uid);
        var before = await Whoami.GetAsync(user);

        Process.GetProcessById(before.Pid).Kill(); // SIGKILL
        var after = await Whoami.GetAsync(user); // one request, no retry by the client

        Assert.NotEqual(before.Pid, after.Pid);
        Assert.Equal(1, after.Count);
    }

    [Fact]
    public async Task After_kill_9_of_a_userpod_the_next_request_works_within_2_seconds()
    {
        // With a warm userpod the replacement does not wait for a process start (which a loaded machine
        // can stretch past 2 s on its own).
        await using var router = await RouterHost.StartAsync("--warm-pool", "1");
        var uid = UserKey.NewUid();
        using var user = router.ClientWithUid(uid);
        await Eventually.True(() => router.Provisioner.WarmPoolSize == 1, TimeSpan.FromSeconds(30), "warm pool filled");
        var before = await Whoami.GetAsync(user);
        // The first request took the warm userpod; wait until its replacement is ready.
        await Eventually.True(() => router.Provisioner.WarmPoolSize == 1, TimeSpan.FromSeconds(30), "warm pool refilled");

        Process.GetProcessById(before.Pid).Kill(); // SIGKILL
        var sw = Stopwatch.StartNew();
        var after = await Whoami.GetAsync(user);
        sw.Stop();

        Assert.NotEqual(before.Pid, after.Pid);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task A_warm_userpod_goes_to_the_next_new_user_and_is_replaced_via_the_old_flag_name()
    {
        await using var router = await RouterHost.StartAsync("--spare-userpods", "1"); // alias of --warm-pool
        await Eventually.True(() => router.Provisioner.WarmPoolSize == 1, TimeSpan.FromSeconds(30), "warm userpod started");
        var warmPid = Assert.Single(router.Provisioner.WarmPids);
        using var user = router.NewClient();
        var w = await Whoami.GetAsync(user);
        Assert.Equal(warmPid, w.Pid);
        Assert.Equal(1, (await router.MetricAsync("htagkube_sessions_started_total")));
        Assert.Equal(1, router.Provisioner.LiveSessions); // warm userpods are not sessions
        await Eventually.True(() => router.Provisioner.WarmPids is [var p] && p != warmPid, TimeSpan.FromSeconds(30), "warm userpod replaced");
        Assert.True(Processes.IsAlive(w.Pid));
    }

    [Fact]
    public async Task A_route_refusing_connections_is_removed_and_replaced_without_a_hang()
    {
        // The router does not learn about this death from the process (SIGSTOP'd exit watcher is not involved):
        // the route is pointed at a closed port, as after a crash on another machine.
        await using var router = await RouterHost.StartAsync();
        var uid = UserKey.NewUid();
        var userKey = UserKey.FromUid(uid);
        using var user = router.ClientWithUid(uid);
        var first = await Whoami.GetAsync(user);
        var table = router.App.Services.GetService(typeof(HTagKube.Routing.IRouteTable)) as HTagKube.Routing.IRouteTable;
        var route = (await table!.GetAsync(userKey, default))!;
        await table.PutAsync(userKey, route with { Endpoint = "127.0.0.1:1" }, TimeSpan.FromMinutes(1), default);
        // The replacement is a warm userpod, as on a router up for more than a few seconds.
        await Eventually.True(() => router.Provisioner.WarmPoolSize == 2, TimeSpan.FromSeconds(60), "warm pool ready");

        var sw = Stopwatch.StartNew();
        var res = await user.GetAsync("whoami");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), sw.Elapsed.ToString());
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Contains("htagkube_dead_routes_total 1", await user.GetStringAsync("metrics"));
        Assert.NotEqual("127.0.0.1:1", (await table.GetAsync(userKey, default))!.Endpoint);
        _ = first;
    }
}
