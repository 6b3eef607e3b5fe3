namespace HTagKube.Operator.Warm;

/// <summary>
/// When the warm pool's refill gives way to a burst of claims. A new pod costs the API server about eight writes (its
/// Secret, the pod, the binding, the kubelet's status updates); made during a burst of claims, they queue before the
/// claims, each of which a user waits for (a scheduled rush of 30 on the test cluster, 2026-12-07: every user's first page
/// within 1.8–5.5 s over 5 runs with the refill at once, 1.2–1.6 s over 4 held back). So while claims keep coming (one
/// within <see cref="Lull"/>) and Ready pods remain for them, the refill waits for a lull, at most <see cref="Longest"/>.
/// Used by the refill loop only (one thread); claims are recorded from any.
/// </summary>
public sealed class RefillHold
{
    /// <summary>No claim for this long: the burst is over.</summary>
    public static readonly TimeSpan Lull = TimeSpan.FromMilliseconds(750);

    /// <summary>The refill waits at most this long, however long the claims go on.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(3);

    long _lastClaimTicks;
    DateTimeOffset? _since;

    /// <summary>A session claimed a warm pod at <paramref name="at"/>.</summary>
    public void Claimed(DateTimeOffset at) => Interlocked.Exchange(ref _lastClaimTicks, at.UtcTicks);

    /// <summary>The pool is full: a later hold starts afresh.</summary>
    public void NotNeeded() => _since = null;

    /// <summary>How long the refill still waits (the pool lacks pods), or null to refill now.</summary>
    public TimeSpan? Wait(DateTimeOffset now, int readyInPool)
    {
        var sinceClaim = now - new DateTimeOffset(Interlocked.Read(ref _lastClaimTicks), TimeSpan.Zero);
        _since ??= now;
        var held = now - _since.Value;
        if (readyInPool == 0 || sinceClaim >= Lull || held >= Longest)
        {
            _since = null;
            return null;
        }
        var lull = Lull - sinceClaim;
        var longest = Longest - held;
        return lull < longest ? lull : longest;
    }
}
