namespace HTagKube.Operator.Warm;

/// <summary>
/// How many warm pods to keep: <c>max(min, rate × start time × headroom, scheduled)</c>, bounded by <c>max</c>, where rate
/// is the sessions that asked for a warm pod per second (claims and misses) and start time the measured creation → Ready
/// of recent warm pods. The rate is the highest over the last 2.5 s, 10 s and <see cref="Window"/>: a rush is seen within
/// a second or two (over a 60 s window alone, users arriving 2/s would look like 0.1/s for their first 3 s), a steady
/// flow over the whole window. It grows at once; it shrinks only after the demand stayed lower for
/// <see cref="ShrinkDelay"/>, then by one pod per <see cref="ShrinkStep"/>. The clock is injected (tests).
/// </summary>
public sealed class WarmPoolSizer(int min, int max, WarmPoolSchedule schedule, TimeProvider clock)
{
    /// <summary>The operator's pool: bounds, schedule and shrink delay from its options.</summary>
    public static WarmPoolSizer From(Hosting.OperatorOptions o, TimeProvider clock)
    {
        var schedule = WarmPoolSchedule.Parse(o.WarmPoolSchedule);
        var (lo, hi) = o.WarmPoolBounds(schedule);
        return new WarmPoolSizer(lo, hi, schedule, clock) {
            ShrinkDelay = o.WarmPoolShrinkDelay, Window = o.WarmPoolWindow,
        };
    }

    /// <summary>Whether the pool can ever hold a pod.</summary>
    public bool Enabled => max > 0;

    /// <summary>Whether the size can change (bounds apart, or a schedule).</summary>
    public bool Adaptive => max > min;

    /// <summary>The arrival rate's window.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Margin over the expected arrivals during one start.</summary>
    public double Headroom { get; init; } = 1.5;

    /// <summary>How long the demand must stay lower before the pool shrinks.</summary>
    public TimeSpan ShrinkDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Then one pod less per step.</summary>
    public TimeSpan ShrinkStep { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Start time assumed until one is measured.</summary>
    public TimeSpan AssumedStart { get; init; } = TimeSpan.FromSeconds(5);

    readonly Queue<DateTimeOffset> _arrivals = new();
    readonly Lock _lock = new();
    double? _startSeconds;
    int? _target; // null until the first Target(): min
    DateTimeOffset _lowSince = DateTimeOffset.MinValue, _lastShrink = DateTimeOffset.MinValue;

    /// <summary>The lower bound (<c>--warm-pool-min</c>).</summary>
    public int Min => min;

    /// <summary>The upper bound (<c>--warm-pool-max</c>).</summary>
    public int Max => max;

    /// <summary>A new session asked for a warm pod (claimed one or missed).</summary>
    public void Arrival()
    {
        lock (_lock) { _arrivals.Enqueue(clock.GetUtcNow()); Trim(clock.GetUtcNow()); }
    }

    /// <summary>A warm pod's measured creation → Ready (smoothed: recent starts count most).</summary>
    public void Started(TimeSpan start)
    {
        lock (_lock) _startSeconds = _startSeconds is { } s ? 0.7 * s + 0.3 * start.TotalSeconds : start.TotalSeconds;
    }

    /// <summary>The short windows a rush shows in first (each at most <see cref="Window"/>).</summary>
    static readonly TimeSpan[] ShortWindows = [TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(10)];

    /// <summary>Arrivals per second: the highest rate over the short windows and the whole window.</summary>
    public double ArrivalsPerSecond
    {
        get
        {
            lock (_lock)
            {
                var now = clock.GetUtcNow();
                Trim(now);
                var rate = _arrivals.Count / Window.TotalSeconds;
                foreach (var w in ShortWindows.Where(w => w < Window))
                    rate = Math.Max(rate, _arrivals.Count(at => now - at <= w) / w.TotalSeconds);
                return rate;
            }
        }
    }

    /// <summary>The smoothed start time (the assumed one until a warm pod was measured).</summary>
    public TimeSpan StartTime { get { lock (_lock) return TimeSpan.FromSeconds(_startSeconds ?? AssumedStart.TotalSeconds); } }

    /// <summary>What the schedule asks for now (0 outside its entries).</summary>
    public int Scheduled => schedule.PodsAt(clock.GetUtcNow());

    /// <summary>What the demand alone asks for now (no slow shrink).</summary>
    public int Demand()
    {
        var now = clock.GetUtcNow();
        var wanted = (int)Math.Ceiling(ArrivalsPerSecond * StartTime.TotalSeconds * Headroom);
        return Math.Min(max, Math.Max(min, Math.Max(wanted, schedule.PodsAt(now))));
    }

    /// <summary>The pool's size now: up at once to the demand, down slowly.</summary>
    public int Target()
    {
        var demand = Demand();
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            var current = _target ?? demand;
            if (demand >= current) { _lowSince = DateTimeOffset.MinValue; return (_target = demand).Value; }
            if (_lowSince == DateTimeOffset.MinValue) _lowSince = now;
            if (now - _lowSince >= ShrinkDelay && now - _lastShrink >= ShrinkStep)
            {
                current--;
                _lastShrink = now;
            }
            return (_target = current).Value;
        }
    }

    void Trim(DateTimeOffset now)
    {
        while (_arrivals.Count > 0 && now - _arrivals.Peek() > Window) _arrivals.Dequeue();
    }
}
