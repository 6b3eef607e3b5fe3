using System.Net;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.BadInput;

/// <summary>
/// Two routers (test userpod; real Demo) and a victim user per router whose userpod must never see a request
/// it did not send. <see cref="CheckInvariantsAsync"/> runs after every bad input.
/// </summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    public RouterHost Router { get; private set; } = null!;
    public RouterHost DemoRouter { get; private set; } = null!;
    public string VictimUid { get; } = UserKey.NewUid();
    HttpClient _victim = null!;
    Whoami _last = null!;
    readonly SemaphoreSlim _one = new(1, 1);

    public async Task InitializeAsync()
    {
        // Generous creation rate: the suite makes hundreds of new users from one IP on purpose.
        Router = await RouterHost.StartAsync("--max-request-body", "2000000", "--max-ws-message", "65536",
            "--sessions-per-ip-per-minute", "100000", "--max-sessions", "100000");
        DemoRouter = await RouterHost.StartAsync("--userpod-command", $"dotnet \"{TestPaths.DemoDll}\"",
            "--sessions-per-ip-per-minute", "100000");
        _victim = Router.ClientWithUid(VictimUid);
        _last = await Whoami.GetAsync(_victim);
    }

    /// <summary>Router alive; the victim's userpod is the same process and saw exactly its own one request.</summary>
    public async Task CheckInvariantsAsync()
    {
        await _one.WaitAsync();
        try
        {
            using var health = new HttpClient { BaseAddress = Router.BaseAddress };
            Assert.Equal(HttpStatusCode.OK, (await health.GetAsync("healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await health.GetAsync(new Uri(DemoRouter.BaseAddress, "healthz"))).StatusCode);
            var now = await Whoami.GetAsync(_victim);
            Assert.Equal(_last.Pid, now.Pid);
            Assert.Equal(_last.Total + 1, now.Total); // nothing but the victim's own request reached its userpod
            _last = now;
            // End every other session: hundreds of cases must not leave hundreds of processes behind.
            var victimKey = UserKey.FromUid(VictimUid);
            foreach (var host in new[] { Router, DemoRouter })
                foreach (var s in host.Provisioner.ListSessions().Where(s => s.UserKey != victimKey))
                    await host.Provisioner.EndSessionAsync(s.UserKey, default);
        }
        finally { _one.Release(); }
    }

    public async Task DisposeAsync()
    {
        _victim.Dispose();
        await Router.DisposeAsync();
        await DemoRouter.DisposeAsync();
    }
}
