using HTagKube.E2E.Tests.Infrastructure;

namespace HTagKube.E2E.Tests;

/// <summary>
/// A router that dies without running any code (SIGKILL, a crash, an out-of-memory kill) must not leave its userpods
/// behind as orphans nobody routes to: each real userpod watches its stdin, a pipe only the router holds (HTAG_LIFELINE).
/// </summary>
public sealed class RouterCrashTests
{
    [Fact]
    public async Task A_killed_router_takes_its_users_and_warm_userpods_with_it()
    {
        await using var router = await RouterProcess.StartAsync();
        using var client = router.NewClient();
        (await client.GetAsync(CounterPage.Path)).EnsureSuccessStatusCode();
        var session = Assert.Single(router.Userpods);
        await Eventually.True(() => router.WarmPool.Count == 2, TimeSpan.FromSeconds(60), "the warm pool refilled");
        int[] all = [session, .. router.WarmPool];

        router.Kill();
        await Eventually.True(() => all.All(p => !ProcessTree.IsAlive(p)), TimeSpan.FromSeconds(20),
            "every userpod of the killed router gone: " + string.Join(", ", all));
    }
}
