using HTagKube.Operator.Warm;

namespace HTagKube.Operator.Tests.Operator;

/// <summary>The refill gives way to a burst of claims while Ready pods remain, until a lull, and never longer than its limit.</summary>
public sealed class RefillHoldTests
{
    static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 55, 0, TimeSpan.Zero);
    static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void With_no_claim_the_refill_goes_at_once()
    {
        Assert.Null(new RefillHold().Wait(T0, readyInPool: 10));
    }

    [Fact]
    public void A_claim_just_now_holds_the_refill_until_the_lull()
    {
        var hold = new RefillHold();
        hold.Claimed(T0);
        Assert.Equal(RefillHold.Lull - Ms(100), hold.Wait(T0 + Ms(100), readyInPool: 10));
        Assert.Null(hold.Wait(T0 + RefillHold.Lull, readyInPool: 10));
    }

    [Fact]
    public void With_no_Ready_pod_left_the_refill_goes_at_once()
    {
        var hold = new RefillHold();
        hold.Claimed(T0);
        Assert.Null(hold.Wait(T0 + Ms(100), readyInPool: 0));
    }

    [Fact]
    public void Claims_that_never_stop_hold_the_refill_at_most_the_longest_hold()
    {
        var hold = new RefillHold();
        var now = T0;
        hold.Claimed(now);
        Assert.NotNull(hold.Wait(now, readyInPool: 10));
        var held = TimeSpan.Zero;
        while (held < RefillHold.Longest - Ms(200))
        {
            now += Ms(200);
            held += Ms(200);
            hold.Claimed(now);
            var wait = hold.Wait(now, readyInPool: 10);
            Assert.NotNull(wait);
            Assert.True(wait <= RefillHold.Longest - held, $"waits {wait} after {held} held");
        }
        now += Ms(200);
        hold.Claimed(now);
        Assert.Null(hold.Wait(now, readyInPool: 10));
    }

    [Fact]
    public void A_full_pool_ends_a_hold_and_the_next_one_starts_afresh()
    {
        var hold = new RefillHold();
        hold.Claimed(T0);
        Assert.NotNull(hold.Wait(T0, readyInPool: 10));
        hold.NotNeeded();
        var later = T0 + RefillHold.Longest + Ms(500);
        hold.Claimed(later);
        Assert.Equal(RefillHold.Lull, hold.Wait(later, readyInPool: 10)); // not ended by the earlier hold's start
    }
}
