using System.Net;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Probe;

/// <summary>
/// Issue 14, outside-probe finding: <c>--max-sessions 5</c> admitted 6 sessions in bursts of concurrent new users
/// (the count was checked before the session was reserved). Now the check and the reservation are one step.
/// </summary>
public sealed class SessionCapProbeTests
{
    const int Cap = 5, Burst = 16, Rounds = 6;

    [Fact]
    public async Task Bursts_of_concurrent_new_users_never_get_more_than_the_cap()
    {
        await using var router = await RouterHost.StartAsync("--max-sessions", Cap.ToString(), "--warm-pool", "0",
            "--sessions-per-ip-per-minute", "1000");
        using var admin = new HttpClient { BaseAddress = router.BaseAddress };
        var rejected = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var clients = Enumerable.Range(0, Burst).Select(_ => router.NewClient()).ToList();
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var pending = clients.Select(async c => { await gate.Task; return (await c.GetAsync("whoami")).StatusCode; }).ToList();
            gate.SetResult(); // all at once
            var answers = await Task.WhenAll(pending);
            rejected += answers.Count(s => s == HttpStatusCode.ServiceUnavailable);

            Assert.Equal(Cap, answers.Count(s => s == HttpStatusCode.OK));
            Assert.Equal(Burst - Cap, answers.Count(s => s == HttpStatusCode.ServiceUnavailable));
            Assert.Equal(Cap, router.Provisioner.LiveSessions);

            foreach (var s in router.Provisioner.ListSessions())
                Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("_htagkube/sessions/" + s.UserKey)).StatusCode);
            await Eventually.True(() => Task.FromResult(router.Provisioner.LiveSessions == 0), TimeSpan.FromSeconds(30), "sessions ended");
            foreach (var c in clients) c.Dispose();
        }
        Assert.Equal(rejected, await router.MetricAsync("htagkube_sessions_rejected_total{reason=\"cap\"}"));
    }
}
