using HTagKube.Kubernetes.Runtime;

namespace HTagKube.Operator.Tests.Kubernetes;

public sealed class WorkQueueTests
{
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    [Fact]
    public async Task Duplicate_adds_collapse_and_a_key_in_flight_is_not_handed_out_twice()
    {
        using var q = new WorkQueue();
        q.Add("a"); q.Add("a"); q.Add("b");
        Assert.Equal(2, q.Count);
        var first = await q.TakeAsync(Ct);
        Assert.Equal("a", first);
        q.Add("a"); // while "a" is processing: remembered, not queued
        Assert.Equal(1, q.Count);
        Assert.Equal("b", await q.TakeAsync(Ct));
        Assert.Equal(0, q.Count);
        q.Done("a"); // now "a" comes back once
        Assert.Equal(1, q.Count);
        Assert.Equal("a", await q.TakeAsync(Ct));
        q.Done("a"); q.Done("b");
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task Take_waits_for_an_add_and_honours_cancellation()
    {
        using var q = new WorkQueue();
        var take = q.TakeAsync(Ct);
        Assert.False(take.IsCompleted);
        q.AddAfter("late", TimeSpan.FromMilliseconds(50));
        Assert.Equal("late", await take);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => q.TakeAsync(cts.Token));
    }

    [Fact]
    public void Backoff_doubles_with_jitter_and_is_capped()
    {
        var b = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromSeconds(1);
        Assert.Equal(TimeSpan.Zero, Backoff.Delay(0, b, max));
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(Backoff.Delay(1, b, max).TotalMilliseconds, 50, 100);
            Assert.InRange(Backoff.Delay(3, b, max).TotalMilliseconds, 200, 400);
            Assert.InRange(Backoff.Delay(50, b, max).TotalMilliseconds, 500, 1000);
        }
        var samples = Enumerable.Range(0, 50).Select(_ => Backoff.Delay(3, b, max)).Distinct().Count();
        Assert.True(samples > 10, "no jitter");
    }

    [Fact]
    public void Rate_limited_failures_are_counted_until_forgotten()
    {
        using var q = new WorkQueue(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        var d1 = q.AddRateLimited("k");
        var d2 = q.AddRateLimited("k");
        var d3 = q.AddRateLimited("k");
        Assert.Equal(3, q.Failures("k"));
        Assert.True(d3 > d1 && d3 >= d2 / 2);
        q.Forget("k");
        Assert.Equal(0, q.Failures("k"));
    }
}
