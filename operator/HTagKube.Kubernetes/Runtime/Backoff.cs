namespace HTagKube.Kubernetes.Runtime;

/// <summary>Exponential backoff with jitter: base·2^(n-1), capped, then uniformly in [d/2, d].</summary>
public static class Backoff
{
    /// <summary>The delay after <paramref name="failures"/> failures in a row (zero for none).</summary>
    public static TimeSpan Delay(int failures, TimeSpan baseDelay, TimeSpan max)
    {
        if (failures <= 0) return TimeSpan.Zero;
        var exp = Math.Min(failures - 1, 30);
        var d = Math.Min(max.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exp));
        // Jitter spreads retries of many keys failing together (e.g. the API server was down).
        return TimeSpan.FromMilliseconds(d / 2 + Random.Shared.NextDouble() * d / 2);
    }
}
