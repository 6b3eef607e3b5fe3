using HTag.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace HTag.Server.Tests;

/// <summary>
/// The userpod's own idle stop on a clock the test moves: it stops exactly a limit (timeout + grace) after the last
/// request ended, never while a request is open, and an idle process is woken about once per limit, not every few
/// seconds (200 idle userpods each woken 12 times a minute cost measurable CPU: docs/benchmarks.md, idle userpods).
/// </summary>
public sealed class IdleStopTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1800);
    static readonly TimeSpan Limit = Timeout + IdleStop.GraceFor(Timeout); // 1800 s + 450 s

    [Fact]
    public void An_idle_userpod_stops_one_limit_after_its_last_request_and_wakes_up_once_per_limit()
    {
        var time = new FakeTimeProvider();
        var stops = 0;
        using var idle = IdleStop.From("1800", armed: true, () => stops++, time)!;

        using (idle.Begin()) time.Advance(TimeSpan.FromMinutes(10)); // a request of 10 minutes (a WebSocket)
        time.Advance(Limit - TimeSpan.FromMinutes(10)); // the timer fires during the request: not idle
        Assert.Equal((0, 1L), (stops, idle.Wakeups));
        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1)); // 1 s short of a limit since the request ended
        Assert.Equal(0, stops);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, stops);
        Assert.Equal(2L, idle.Wakeups); // one wakeup found the request open, the next one stopped: none in between

        for (var i = 0; i < 3; i++) time.Advance(Limit);
        Assert.Equal(1, stops); // once
    }

    [Fact]
    public void A_warm_userpod_held_by_its_lifeline_never_stops_until_armed_then_a_limit_later()
    {
        var time = new FakeTimeProvider();
        var stops = 0;
        using var idle = IdleStop.From("1800", armed: false, () => stops++, time)!;
        for (var i = 0; i < 4; i++) time.Advance(Limit);
        Assert.Equal((0, 4L), (stops, idle.Wakeups));

        time.Advance(TimeSpan.FromMinutes(5));
        idle.Arm(); // released: the clock starts now
        time.Advance(Limit - TimeSpan.FromMinutes(5)); // the pending wakeup finds it armed for 5 minutes only
        Assert.Equal(0, stops);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, stops);
    }
}
