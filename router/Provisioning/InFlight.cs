namespace HTagKube.Router.Provisioning;

/// <summary>
/// Counts operations in flight (a userpod start and what follows it) so shutdown can wait for them: a start
/// cancelled by shutdown kills its half-started process, and the router must not exit before it has.
/// </summary>
public sealed class InFlight
{
    readonly Lock _lock = new();
    int _count;
    TaskCompletionSource _idle = Done();

    static TaskCompletionSource Done()
    {
        var t = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.SetResult();
        return t;
    }

    /// <summary>Operations in flight now.</summary>
    public int Count { get { lock (_lock) return _count; } }

    /// <summary>Marks one operation begun; dispose the result when it is over.</summary>
    public IDisposable Enter()
    {
        lock (_lock)
        {
            if (_count++ == 0) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        return new Exit(this);
    }

    /// <summary>Completes when no operation is in flight.</summary>
    public Task WhenIdle() { lock (_lock) return _idle.Task; }

    void Leave()
    {
        TaskCompletionSource? idle = null;
        lock (_lock)
        {
            if (--_count == 0) idle = _idle;
        }
        idle?.TrySetResult();
    }

    sealed class Exit(InFlight owner) : IDisposable
    {
        int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) owner.Leave();
        }
    }
}
