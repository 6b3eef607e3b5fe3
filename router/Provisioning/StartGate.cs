namespace HTagKube.Router.Provisioning;

/// <summary>
/// Bounds how many userpod processes start at once, users first. A process start is CPU-bound (runtime start,
/// JIT): twenty at once on two cores finish together after twenty starts' worth of time, while two at a time
/// serve the first users after one start's worth and the median user after half of it. Warm-pool refills only
/// take a slot no waiting user wants.
/// </summary>
public sealed class StartGate
{
    readonly Lock _lock = new();
    readonly Queue<TaskCompletionSource<Slot>> _users = new();
    readonly Queue<TaskCompletionSource<Slot>> _refills = new();
    int _free;

    /// <param name="slots">Starts allowed at once; at least 1.</param>
    public StartGate(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = _free = slots;
    }

    /// <summary>Starts allowed at once.</summary>
    public int Slots { get; }

    /// <summary>Users waiting for a slot now (metrics, tests).</summary>
    public int UsersWaiting { get { lock (_lock) return _users.Count; } }

    /// <summary>Waits for a slot; dispose the result when the start is over (succeeded or not).</summary>
    /// <param name="forUser">A user is waiting for this start (else: a warm-pool refill, served after every user).</param>
    /// <param name="ct">Gives up waiting.</param>
    public ValueTask<Slot> EnterAsync(bool forUser, CancellationToken ct)
    {
        TaskCompletionSource<Slot> waiter;
        lock (_lock)
        {
            if (_free > 0 && (forUser || _users.Count == 0))
            {
                _free--;
                return ValueTask.FromResult(new Slot(this));
            }
            waiter = new TaskCompletionSource<Slot>(TaskCreationOptions.RunContinuationsAsynchronously);
            (forUser ? _users : _refills).Enqueue(waiter);
        }
        if (!ct.CanBeCanceled) return new ValueTask<Slot>(waiter.Task);
        return new ValueTask<Slot>(WaitAsync(waiter, ct));
    }

    async Task<Slot> WaitAsync(TaskCompletionSource<Slot> waiter, CancellationToken ct)
    {
        // A waiter cancelled first is skipped by Release (TrySetResult fails); one handed a slot first keeps it.
        using (ct.Register(() => waiter.TrySetCanceled(ct)))
            return await waiter.Task.ConfigureAwait(false);
    }

    void Release()
    {
        while (true)
        {
            TaskCompletionSource<Slot>? next;
            lock (_lock)
            {
                if (!_users.TryDequeue(out next) && !_refills.TryDequeue(out next))
                {
                    _free++;
                    return;
                }
            }
            // A cancelled waiter cannot take the slot: hand it to the next one.
            if (next.TrySetResult(new Slot(this))) return;
        }
    }

    /// <summary>One start's slot; disposing it lets the next start go.</summary>
    public sealed class Slot(StartGate gate) : IDisposable
    {
        int _released;

        /// <inheritdoc />
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }
}
