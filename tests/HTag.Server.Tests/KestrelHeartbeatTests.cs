using System.Net;

namespace HTag.Server.Tests;

/// <summary>Kestrel's heartbeat slowed (HTagOptions.ServerHeartbeat): an idle userpod is not woken every second, and a
/// response's Date header is still at most a second old. Fails first when a Kestrel version renames its internals.</summary>
public class KestrelHeartbeatTests
{
    [Fact]
    public async Task The_heartbeat_runs_at_the_configured_interval_or_Kestrels_own()
    {
        await using (var h = await Harness.StartAsync(s => s.Map<CounterApp>("/")))
            Assert.Equal(TimeSpan.FromSeconds(30), h.Server.ServerHeartbeatInterval);
        await using (var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"), o => o.ServerHeartbeat = TimeSpan.FromSeconds(7)))
            Assert.Equal(TimeSpan.FromSeconds(7), h.Server.ServerHeartbeatInterval);
        await using (var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"), o => o.ServerHeartbeat = null))
            Assert.Equal(TimeSpan.FromSeconds(1), h.Server.ServerHeartbeatInterval);
    }

    [Fact]
    public async Task With_a_slow_heartbeat_the_Date_header_still_follows_the_clock()
    {
        await using var h = await Harness.StartAsync(s => s.Map<CounterApp>("/"));
        var first = await DateAsync(h);
        Assert.InRange(first, DateTimeOffset.UtcNow.AddSeconds(-3), DateTimeOffset.UtcNow.AddSeconds(1));
        // Within a few seconds a response carries a later Date: the heartbeat alone (30 s) would not have moved it.
        await Eventually.True(async () => await DateAsync(h) > first, TimeSpan.FromSeconds(5), "a later Date header");
        var later = await DateAsync(h);
        Assert.InRange(later, DateTimeOffset.UtcNow.AddSeconds(-3), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    static async Task<DateTimeOffset> DateAsync(Harness h)
    {
        using var res = await h.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        return res.Headers.Date ?? throw new InvalidOperationException("no Date header");
    }
}
