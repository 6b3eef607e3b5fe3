namespace HTagKube.Soak;

/// <summary>What the simulated users did, and their page and click times.</summary>
sealed class SoakCounters
{
    public int Arrived, Visits, Left, ReturnsWithin, ReturnsAfterExpiry, ReturnsForgotten;
    readonly List<double> _clicks = [], _pages = [];

    public void RecordClick(double ms) { lock (_clicks) _clicks.Add(ms); }
    public void RecordPage(double ms) { lock (_pages) _pages.Add(ms); }

    public int Clicks { get { lock (_clicks) return _clicks.Count; } }

    public string ClickPercentiles { get { lock (_clicks) return Percentiles(_clicks); } }
    public string PagePercentiles { get { lock (_pages) return Percentiles(_pages); } }

    static string Percentiles(List<double> values)
    {
        if (values.Count == 0) return "–";
        var sorted = values.Order().ToArray();
        double P(double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        return $"p50 {P(0.5):0.#} ms, p95 {P(0.95):0.#} ms, max {sorted[^1]:0.#} ms";
    }
}
