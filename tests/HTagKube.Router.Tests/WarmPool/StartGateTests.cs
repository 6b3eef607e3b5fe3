using HTagKube.Router.Provisioning;

namespace HTagKube.Router.Tests.WarmPool;

/// <summary>The bound on simultaneous userpod starts: users first, refills only with a slot no user wants.</summary>
public sealed class StartGateTests
{
    static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task No_more_starts_than_slots_run_at_once()
    {
        var gate = new StartGate(2);
        var a = await gate.EnterAsync(forUser: true, None);
        var b = await gate.EnterAsync(forUser: true, None);
        var c = gate.EnterAsync(forUser: true, None).AsTask();
        Assert.False(c.IsCompleted);
        Assert.Equal(1, gate.UsersWaiting);
        a.Dispose();
        using var third = await c.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, gate.UsersWaiting);
        b.Dispose();
    }

    [Fact]
    public async Task A_freed_slot_goes_to_a_waiting_user_before_an_earlier_refill()
    {
        var gate = new StartGate(1);
        var busy = await gate.EnterAsync(forUser: true, None);
        var refill = gate.EnterAsync(forUser: false, None).AsTask();
        var user = gate.EnterAsync(forUser: true, None).AsTask();
        busy.Dispose();
        using (await user.WaitAsync(TimeSpan.FromSeconds(10)))
            Assert.False(refill.IsCompleted, "the refill waited behind the user");
        using var r = await refill.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_refill_does_not_take_a_free_slot_while_a_user_waits_but_takes_one_when_none_does()
    {
        var gate = new StartGate(1);
        using (await gate.EnterAsync(forUser: false, None)) { } // nobody waiting: the refill goes at once
        var busy = await gate.EnterAsync(forUser: true, None);
        var user = gate.EnterAsync(forUser: true, None).AsTask();
        var refill = gate.EnterAsync(forUser: false, None).AsTask();
        busy.Dispose();
        var u = await user.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(refill.IsCompleted);
        u.Dispose();
        (await refill.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task A_cancelled_waiter_gives_up_and_its_turn_passes_to_the_next()
    {
        var gate = new StartGate(1);
        var busy = await gate.EnterAsync(forUser: true, None);
        using var cts = new CancellationTokenSource();
        var gone = gate.EnterAsync(forUser: true, cts.Token).AsTask();
        var next = gate.EnterAsync(forUser: true, None).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        busy.Dispose();
        using var n = await next.WaitAsync(TimeSpan.FromSeconds(10));
        // Only one slot exists: with `next` holding it, a newcomer waits.
        var late = gate.EnterAsync(forUser: true, None).AsTask();
        Assert.False(late.IsCompleted);
        n.Dispose();
        (await late.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task Disposing_a_slot_twice_frees_it_once()
    {
        var gate = new StartGate(1);
        var s = await gate.EnterAsync(forUser: true, None);
        s.Dispose();
        s.Dispose();
        var first = await gate.EnterAsync(forUser: true, None);
        var second = gate.EnterAsync(forUser: true, None).AsTask();
        Assert.False(second.IsCompleted, "a double dispose must not mint a second slot");
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task Many_concurrent_starts_never_exceed_the_slots()
    {
        var gate = new StartGate(3);
        int running = 0, peak = 0;
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            using var slot = await gate.EnterAsync(forUser: i % 3 != 0, None);
            var now = Interlocked.Increment(ref running);
            int p;
            while ((p = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, p) != p) { }
            await Task.Yield();
            Interlocked.Decrement(ref running);
        })));
        Assert.InRange(peak, 1, 3);
    }

    [Fact]
    public void Zero_slots_is_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => new StartGate(0));
}
