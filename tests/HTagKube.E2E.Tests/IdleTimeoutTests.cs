using HTagKube.E2E.Tests.Infrastructure;

namespace HTagKube.E2E.Tests;

/// <summary>Idle teardown in local mode, through the real router program with a short TTL.</summary>
public sealed class IdleTimeoutTests
{
    [Fact]
    public async Task An_idle_users_process_is_gone_after_the_ttl_and_the_next_request_gets_a_new_one()
    {
        // 10 s, not less: the test lists the user's process after its first page, and under CI's load (38 on 2 cores)
        // that listing came more than 3 s after the page, when the process had already expired (CI run s3).
        await using var router = await RouterProcess.StartAsync(["--idle-timeout", "10s"]);
        using var client = router.NewClient();

        (await client.GetAsync(CounterPage.Path)).EnsureSuccessStatusCode();
        var first = Assert.Single(router.Userpods);

        // No activity: the route expires after 10 s and the router stops and reaps the process.
        await Eventually.True(() => !ProcessTree.IsAlive(first), TimeSpan.FromSeconds(60), "the idle userpod to exit");
        Assert.Empty(router.Userpods);

        var page = await client.GetAsync(CounterPage.Path);
        page.EnsureSuccessStatusCode();
        Assert.Contains("Counter", await page.Content.ReadAsStringAsync());
        var second = Assert.Single(router.Userpods);
        Assert.NotEqual(first, second);
    }
}
