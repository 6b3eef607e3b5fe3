namespace HTagKube.Router.Metrics;

/// <summary>A fixed-bucket, lock-free histogram in seconds (Prometheus cumulative buckets on export).</summary>
public sealed class Histogram(params double[] upperBounds)
{
    readonly double[] _bounds = upperBounds;
    readonly long[] _counts = new long[upperBounds.Length + 1];
    long _sumMicros;

    /// <summary>Records one observation.</summary>
    public void Observe(TimeSpan value)
    {
        var seconds = value.TotalSeconds;
        var i = 0;
        while (i < _bounds.Length && seconds > _bounds[i]) i++;
        Interlocked.Increment(ref _counts[i]);
        Interlocked.Add(ref _sumMicros, (long)(value.TotalMilliseconds * 1000));
    }

    /// <summary>Observations so far.</summary>
    public long Count
    {
        get
        {
            long n = 0;
            for (var i = 0; i < _counts.Length; i++) n += Volatile.Read(ref _counts[i]);
            return n;
        }
    }

    /// <summary>Writes the histogram in Prometheus text format.</summary>
    public void WriteTo(TextWriter w, string name, string help)
    {
        w.Write($"# HELP {name} {help}\n# TYPE {name} histogram\n");
        long cumulative = 0;
        for (var i = 0; i < _bounds.Length; i++)
        {
            cumulative += Volatile.Read(ref _counts[i]);
            w.Write($"{name}_bucket{{le=\"{_bounds[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}\"}} {cumulative}\n");
        }
        cumulative += Volatile.Read(ref _counts[^1]);
        w.Write($"{name}_bucket{{le=\"+Inf\"}} {cumulative}\n");
        w.Write($"{name}_sum {(Volatile.Read(ref _sumMicros) / 1e6).ToString(System.Globalization.CultureInfo.InvariantCulture)}\n");
        w.Write($"{name}_count {cumulative}\n");
    }
}
