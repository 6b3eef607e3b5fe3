using System.Diagnostics;
using System.Text.Json;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.WarmPool;

/// <summary>Issue 8, local mode: pre-started unassigned userpods in the router (<c>--warm-pool N</c>).</summary>
public sealed class WarmPoolTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    static Task Full(RouterHost router, int n) =>
        Eventually.True(() => router.Provisioner.WarmPoolSize == n, Deadline, $"warm pool of {n} ready");

    [Fact]
    public async Task Simultaneous_new_users_each_claim_a_different_warm_userpod_and_the_pool_refills()
    {
        const int n = 8;
        await using var router = await RouterHost.StartAsync("--warm-pool", n.ToString());
        await Full(router, n);
        var warm = router.Provisioner.WarmPids.ToHashSet();

        var users = Enumerable.Range(0, n).Select(_ => router.NewClient()).ToList();
        var first = await Task.WhenAll(users.Select(u => Whoami.GetAsync(u)));

        // Each process went to exactly one user, and each user to a process of the pool.
        Assert.Equal(n, first.Select(w => w.Pid).Distinct().Count());
        Assert.All(first, w => Assert.Contains(w.Pid, warm));
        Assert.All(first, w => Assert.Equal(1, w.Count)); // nobody else's requests reached it
        Assert.All(first, w => Assert.True(w.WarmUp, "a warm-pool userpod is started with HTAG_WARMUP=1"));
        Assert.Equal(n, (await router.MetricAsync("htagkube_warm_pool_claims_total")));
        Assert.Equal(0, (await router.MetricAsync("htagkube_warm_pool_misses_total")));
        Assert.Equal(n, router.Provisioner.LiveSessions);

        // Refilled in the background with new processes; the claimed ones stay with their users.
        await Eventually.True(() => router.Provisioner.WarmPids.Count == n && !router.Provisioner.WarmPids.Intersect(warm).Any(),
            Deadline, "warm pool refilled with new processes");
        for (var i = 0; i < n; i++) Assert.Equal(first[i].Pid, (await Whoami.GetAsync(users[i])).Pid);
        foreach (var u in users) u.Dispose();
    }

    [Fact]
    public async Task More_simultaneous_new_users_than_warm_userpods_each_get_their_own_process_and_every_one_is_a_claim_or_a_miss()
    {
        await using var router = await RouterHost.StartAsync("--warm-pool", "2");
        await Full(router, 2);
        var warm = router.Provisioner.WarmPids.ToHashSet();

        var users = Enumerable.Range(0, 5).Select(_ => router.NewClient()).ToList();
        var first = await Task.WhenAll(users.Select(u => Whoami.GetAsync(u)));

        Assert.Equal(5, first.Select(w => w.Pid).Distinct().Count());
        Assert.Equal(5, (await router.MetricAsync("htagkube_warm_pool_claims_total")) + (await router.MetricAsync("htagkube_warm_pool_misses_total")));
        // Both warm ones were claimed; the rest started cold (misses) unless a refill was ready first (a loaded
        // machine can stretch the five requests over longer than a refill takes).
        Assert.True((await router.MetricAsync("htagkube_warm_pool_claims_total")) >= 2, $"{(await router.MetricAsync("htagkube_warm_pool_claims_total"))} claims");
        Assert.All(warm, pid => Assert.Contains(pid, first.Select(w => w.Pid)));
        foreach (var u in users) u.Dispose();
    }

    [Fact]
    public async Task A_new_user_arriving_while_the_pool_refills_starts_cold_and_counts_a_miss()
    {
        await using var router = await RouterHost.StartAsync("--warm-pool", "1");
        await Full(router, 1);
        var warmPid = Assert.Single(router.Provisioner.WarmPids);

        using var alice = router.NewClient();
        Assert.Equal(warmPid, (await Whoami.GetAsync(alice)).Pid);
        // Bob arrives right after: the refill Alice's claim began is a whole process start, not done yet.
        using var bob = router.NewClient();
        var b = await Whoami.GetAsync(bob);

        Assert.NotEqual(warmPid, b.Pid);
        Assert.False(b.WarmUp, "a userpod started for a waiting user skips the warm-up");
        Assert.Equal(1, (await router.MetricAsync("htagkube_warm_pool_claims_total")));
        Assert.Equal(1, (await router.MetricAsync("htagkube_warm_pool_misses_total")));
        Assert.Equal(1, await MetricsText.ReadAsync(router.BaseAddress, "htagkube_warm_pool_misses_total"));
        await Full(router, 1); // and the pool still refills
        Assert.DoesNotContain(b.Pid, router.Provisioner.WarmPids);
    }

    [Fact]
    public async Task A_warm_userpod_killed_with_sigkill_is_replaced()
    {
        await using var router = await RouterHost.StartAsync("--warm-pool", "2");
        await Full(router, 2);
        var victim = router.Provisioner.WarmPids[0];

        Process.GetProcessById(victim).Kill(); // SIGKILL

        await Eventually.True(() => router.Provisioner.WarmPids.Count == 2 && !router.Provisioner.WarmPids.Contains(victim),
            Deadline, "dead warm userpod replaced");
        Assert.False(Processes.IsAlive(victim));
        Assert.Equal(1, await MetricsText.ReadAsync(router.BaseAddress, "htagkube_warm_pool_deaths_total"));

        // The pool still serves new users, never with the dead process.
        using var user = router.NewClient();
        var w = await Whoami.GetAsync(user);
        Assert.NotEqual(victim, w.Pid);
        Assert.Equal(1, (await router.MetricAsync("htagkube_warm_pool_claims_total")));
    }

    [Fact]
    public async Task Warm_userpods_are_not_sessions_for_the_cap_the_listing_or_the_live_sessions_metric()
    {
        await using var router = await RouterHost.StartAsync("--warm-pool", "2", "--max-sessions", "1");
        await Full(router, 2);
        using var admin = new HttpClient { BaseAddress = router.BaseAddress };

        Assert.Equal(0, router.Provisioner.LiveSessions);
        Assert.Equal(0, JsonDocument.Parse(await admin.GetStringAsync("_htagkube/sessions")).RootElement.GetArrayLength());
        var metrics = await admin.GetStringAsync("metrics");
        Assert.Equal(0, MetricsText.Value(metrics, "htagkube_live_sessions"));
        Assert.Equal(2, MetricsText.Value(metrics, "htagkube_warm_pool_pods{state=\"ready\"}"));
        Assert.Equal(2, MetricsText.Value(metrics, "htagkube_warm_pool_target"));

        // A cap of 1 still admits one user although 2 warm processes run, and only one.
        using var alice = router.NewClient();
        var a = await Whoami.GetAsync(alice);
        using var bob = router.NewClient();
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await bob.GetAsync("whoami")).StatusCode);

        var listing = JsonDocument.Parse(await admin.GetStringAsync("_htagkube/sessions")).RootElement;
        Assert.Equal(a.Pid, Assert.Single(listing.EnumerateArray()).GetProperty("pid").GetInt32());
        Assert.Equal(1, MetricsText.Value(await admin.GetStringAsync("metrics"), "htagkube_live_sessions"));
        Assert.DoesNotContain(a.Pid, router.Provisioner.WarmPids);
    }

    [Fact]
    public async Task A_warm_pool_of_0_starts_every_session_cold_as_before()
    {
        await using var router = await RouterHost.StartAsync("--warm-pool", "0");
        using var user = router.NewClient();
        var w = await Whoami.GetAsync(user);
        using var other = router.NewClient();
        Assert.NotEqual(w.Pid, (await Whoami.GetAsync(other)).Pid);

        Assert.Equal(0, router.Provisioner.WarmPoolSize);
        Assert.DoesNotContain("htagkube_warm_pool_refill_seconds_count", await router.MetricsTextAsync()); // no warm process was ever started
        Assert.Equal(0, (await router.MetricAsync("htagkube_warm_pool_claims_total")));
        Assert.Equal(0, (await router.MetricAsync("htagkube_warm_pool_misses_total"))); // a disabled pool does not miss
        Assert.Equal(2, (await router.MetricAsync("htagkube_sessions_started_total")));
        Assert.Equal(2, router.Provisioner.LiveSessions);
    }

    [Fact]
    public async Task A_new_user_arriving_at_a_ready_pool_is_served_by_a_claimed_warm_userpod_not_a_cold_start()
    {
        const int rounds = 3;
        await using var cold = await RouterHost.StartAsync("--warm-pool", "0");
        await using var warm = await RouterHost.StartAsync("--warm-pool", "1");
        var coldMs = new List<double>();
        var warmMs = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            coldMs.Add(await FirstPageMsAsync(cold));
            await Full(warm, 1); // the user arrives once the pool is ready, as a user arriving later would
            warmMs.Add(await FirstPageMsAsync(warm));
        }
        Assert.Equal(rounds, (await warm.MetricAsync("htagkube_warm_pool_claims_total")));
        Assert.Equal(0, (await warm.MetricAsync("htagkube_warm_pool_misses_total")));

        // Speed is reported, not asserted (a loaded 2-core CI makes timings noise): the bench measures it.
        output.WriteLine($"first page: warm median {Median(warmMs):0} ms, cold median {Median(coldMs):0} ms");
    }

    static async Task<double> FirstPageMsAsync(RouterHost router)
    {
        using var user = router.NewClient();
        var sw = Stopwatch.StartNew();
        var res = await user.GetAsync("whoami");
        sw.Stop();
        res.EnsureSuccessStatusCode();
        return sw.Elapsed.TotalMilliseconds;
    }

    static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
