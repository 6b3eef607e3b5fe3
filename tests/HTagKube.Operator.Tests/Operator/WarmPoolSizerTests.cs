using HTagKube.Operator.Hosting;
using HTagKube.Operator.Warm;
using Microsoft.Extensions.Configuration;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>A clock the test moves.</summary>
sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>The adaptive warm pool's size: arrivals × start time × headroom between its bounds, up at once, down slowly; the schedule.</summary>
public sealed class WarmPoolSizerTests
{
    // A Monday.
    static readonly DateTimeOffset Monday0850 = new(2026, 12, 7, 8, 50, 0, TimeSpan.Zero);

    static WarmPoolSizer Sizer(ManualClock clock, int min = 2, int max = 40, string? schedule = null) =>
        new(min, max, WarmPoolSchedule.Parse(schedule), clock) { ShrinkDelay = TimeSpan.FromMinutes(5), ShrinkStep = TimeSpan.FromSeconds(30) };

    [Fact]
    public void Quiet_pool_stays_at_its_minimum()
    {
        var clock = new ManualClock(Monday0850);
        var s = Sizer(clock);
        Assert.Equal(2, s.Target());
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, s.Target());
    }

    static void Arrive(WarmPoolSizer s, ManualClock clock, int n, TimeSpan every)
    {
        for (var i = 0; i < n; i++) { s.Arrival(); clock.Advance(every); }
    }

    [Fact]
    public void A_steady_flow_grows_the_pool_to_rate_times_start_time_times_headroom()
    {
        var clock = new ManualClock(Monday0850);
        var s = Sizer(clock);
        s.Started(TimeSpan.FromSeconds(8));
        // One session every 2 s for a minute: 0.5/s over every window, 0.5/s × 8 s × 1.5 = 6.
        Arrive(s, clock, 30, TimeSpan.FromSeconds(2));
        Assert.Equal(0.5, s.ArrivalsPerSecond, 3);
        Assert.Equal(6, s.Target());
        // A faster burst: more pods at once, never above max.
        for (var i = 0; i < 200; i++) s.Arrival();
        Assert.Equal(40, s.Target());
    }

    [Fact]
    public void A_rush_is_seen_within_seconds_not_after_the_window()
    {
        var clock = new ManualClock(Monday0850);
        var s = Sizer(clock);
        s.Started(TimeSpan.FromSeconds(3));
        // Users arriving 2/s, 1.5 s in: 4 sessions. Over the 60 s window alone that is 0.07/s (target: the minimum);
        // over the last 2.5 s it is 1.6/s: 1.6 × 3 s × 1.5 = 7.2 → 8 pods now, while the rush is young.
        Arrive(s, clock, 4, TimeSpan.FromSeconds(0.5));
        Assert.Equal(1.6, s.ArrivalsPerSecond, 3);
        Assert.Equal(8, s.Target());
        // The rush goes on: 2/s over the 10 s window too.
        Arrive(s, clock, 16, TimeSpan.FromSeconds(0.5));
        Assert.Equal(2.0, s.ArrivalsPerSecond, 3);
        Assert.Equal(9, s.Target());
    }

    [Fact]
    public void Quiet_after_a_burst_shrinks_only_after_the_delay_then_one_pod_per_step()
    {
        var clock = new ManualClock(Monday0850);
        var s = Sizer(clock);
        s.Started(TimeSpan.FromSeconds(10));
        Arrive(s, clock, 30, TimeSpan.FromSeconds(2)); // 0.5/s × 10 s × 1.5 = 7.5 → 8
        Assert.Equal(8, s.Target());
        clock.Advance(TimeSpan.FromSeconds(61)); // the window is empty: demand = min
        Assert.Equal(2, s.Demand());
        Assert.Equal(8, s.Target());
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(8, s.Target()); // still within the delay
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(7, s.Target());
        Assert.Equal(7, s.Target()); // one step at a time
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(6, s.Target());
        for (var i = 0; i < 10; i++) { clock.Advance(TimeSpan.FromSeconds(30)); s.Target(); }
        Assert.Equal(2, s.Target()); // never below min
        Arrive(s, clock, 30, TimeSpan.FromSeconds(2));
        Assert.Equal(8, s.Target()); // and up again at once
    }

    [Fact]
    public void Start_time_is_smoothed_and_assumed_until_measured()
    {
        var s = Sizer(new ManualClock(Monday0850));
        Assert.Equal(TimeSpan.FromSeconds(5), s.StartTime);
        s.Started(TimeSpan.FromSeconds(10));
        Assert.Equal(10, s.StartTime.TotalSeconds, 3);
        s.Started(TimeSpan.FromSeconds(20));
        Assert.Equal(13, s.StartTime.TotalSeconds, 3);
    }

    [Fact]
    public void A_schedule_pre_warms_on_its_days_for_its_duration()
    {
        var clock = new ManualClock(Monday0850);
        var s = Sizer(clock, schedule: "Mon-Fri 08:55 40 30m");
        Assert.Equal(2, s.Target());
        clock.Advance(TimeSpan.FromMinutes(5)); // 08:55
        Assert.Equal(40, s.Target());
        clock.Advance(TimeSpan.FromMinutes(29)); // 09:24
        Assert.Equal(40, s.Demand());
        clock.Advance(TimeSpan.FromMinutes(1)); // 09:25: over
        Assert.Equal(2, s.Demand());
        var saturday = new WarmPoolSizer(2, 40, WarmPoolSchedule.Parse("Mon-Fri 08:55 40 30m"), new ManualClock(new(2026, 12, 12, 9, 0, 0, TimeSpan.Zero)));
        Assert.Equal(2, saturday.Target());
    }

    [Theory]
    [InlineData("* 23:50 5 20m", 2026, 12, 8, 0, 5, 5)]     // runs past midnight into the next day
    [InlineData("Sat,Sun 10:00 7 2h", 2026, 12, 13, 11, 0, 7)]
    [InlineData("Fri-Mon 10:00 3 1h", 2026, 12, 13, 10, 30, 3)] // a range that wraps the week
    [InlineData("Mon 10:00 3 1h; Mon 10:30 9 10m", 2026, 12, 7, 10, 35, 9)] // the largest active entry
    [InlineData("Tue 10:00 3 1h", 2026, 12, 7, 10, 30, 0)]
    public void Schedule_entries(string text, int y, int mo, int d, int h, int mi, int pods) =>
        Assert.Equal(pods, WarmPoolSchedule.Parse(text).PodsAt(new DateTimeOffset(y, mo, d, h, mi, 0, TimeSpan.Zero)));

    [Theory]
    [InlineData("weekdays 08:55 40 30m")]
    [InlineData("Mon 25:00 4 10m")]
    [InlineData("Mon 08:61 4 10m")]
    [InlineData("Mon 08:55 0 10m")]
    [InlineData("Mon 08:55 4 10s")]
    [InlineData("Mon 08:55 4 25h")]
    public void A_bad_schedule_is_refused_naming_it(string text) =>
        Assert.Contains("--warm-pool-schedule", Assert.Throws<ArgumentException>(() => WarmPoolSchedule.Parse(text)).Message);

    static OperatorOptions Bind(params string[] args) =>
        OperatorConfig.Bind(new ConfigurationBuilder().AddCommandLine(args, OperatorConfig.Flags.SwitchMappings).Build());

    [Fact]
    public void Flags_warm_pool_alone_is_a_fixed_size_max_makes_it_adaptive_and_a_schedule_raises_the_default_max()
    {
        var clock = new ManualClock(Monday0850);
        var fixedPool = WarmPoolSizer.From(Bind("--redis", "r:1", "--warm-pool", "4"), clock);
        Assert.False(fixedPool.Adaptive);
        Assert.Equal((4, 4), (fixedPool.Min, fixedPool.Max));
        var adaptive = WarmPoolSizer.From(Bind("--redis", "r:1", "--warm-pool", "2", "--warm-pool-max", "30"), clock);
        Assert.True(adaptive.Adaptive);
        Assert.Equal((2, 30), (adaptive.Min, adaptive.Max));
        var scheduled = WarmPoolSizer.From(Bind("--redis", "r:1", "--warm-pool", "2", "--warm-pool-schedule", "Mon-Fri 08:55 40 30m"), clock);
        Assert.Equal((2, 40), (scheduled.Min, scheduled.Max));
        Assert.False(WarmPoolSizer.From(Bind("--redis", "r:1"), clock).Enabled);
        Assert.Throws<ArgumentException>(() => Bind("--redis", "r:1", "--warm-pool", "5", "--warm-pool-max", "3"));
        Assert.Throws<ArgumentException>(() => Bind("--redis", "r:1", "--warm-pool-schedule", "someday"));
    }
}
