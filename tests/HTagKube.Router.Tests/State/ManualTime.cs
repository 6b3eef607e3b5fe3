namespace HTagKube.Router.Tests.State;

/// <summary>A clock the test moves by hand (timers still run on real time).</summary>
public sealed class ManualTime : TimeProvider
{
    DateTimeOffset _now = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
