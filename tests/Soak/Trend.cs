using System.Globalization;

namespace HTagKube.Soak;

/// <summary>Memory figures of the reports: MB, and their trend in MB per minute.</summary>
static class Trend
{
    /// <summary>Least-squares slope of (minutes, MB) points, in MB per minute (0 with fewer than 2).</summary>
    public static double MbPerMinute(IEnumerable<(TimeSpan At, double Mb)> points)
    {
        var p = points.ToList();
        if (p.Count < 2) return 0;
        double mx = p.Average(x => x.At.TotalMinutes), my = p.Average(x => x.Mb);
        var den = p.Sum(x => (x.At.TotalMinutes - mx) * (x.At.TotalMinutes - mx));
        return den == 0 ? 0 : p.Sum(x => (x.At.TotalMinutes - mx) * (x.Mb - my)) / den;
    }

    public static string Signed(double mbPerMinute) => mbPerMinute.ToString("+0.00;-0.00", CultureInfo.InvariantCulture);
    public static string MbFromKb(long kb) => (kb / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);
    public static string MbFromBytes(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) : "";

    /// <summary>What the heap readings say, in one sentence: the managed heap after a full GC is what a leak grows.</summary>
    public static string HeapVerdict(string who, IReadOnlyList<(TimeSpan At, long Bytes)> heap, IReadOnlyList<(TimeSpan At, long Kb)> rss)
    {
        if (heap.Count < 2) return $"{who}: too few heap readings for a trend.";
        var half = heap[^1].At / 2;
        var heapTrend = MbPerMinute(heap.Where(h => h.At >= half).Select(h => (h.At, h.Bytes / 1048576.0)));
        var rssTrend = MbPerMinute(rss.Where(r => r.At >= half).Select(r => (r.At, r.Kb / 1024.0)));
        return $"{who}: managed heap after a full GC {MbFromBytes(heap[0].Bytes)} → {MbFromBytes(heap[^1].Bytes)} MB "
               + $"(trend {Signed(heapTrend)} MB/min over the second half, {heap.Count(h => h.At >= half)} readings), "
               + $"RSS {MbFromKb(rss[0].Kb)} → {MbFromKb(rss[^1].Kb)} MB (trend {Signed(rssTrend)} MB/min). "
               + "RSS that grows while the post-GC heap stays flat is memory the runtime keeps (GC segments and budgets, pools, JIT code), not objects held; "
               + "a post-GC heap that keeps growing is a leak.";
    }
}
