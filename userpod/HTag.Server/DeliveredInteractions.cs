namespace HTag;

/// <summary>
/// Exactly-once interactions over reconnects: htag.js numbers each page's interactions and resends the ones not
/// yet acknowledged when its socket comes back (a socket can die with a click in flight, before or after the
/// click ran). The instance remembers the last number it ran per page, so a resend of one it already ran is
/// acknowledged without running it again.
/// </summary>
sealed class DeliveredInteractions
{
    // Pages of one instance: normally one (a newer page replaces the instance's older one); bounded anyway.
    const int MaxPages = 16;
    readonly Dictionary<string, long> _lastRun = new(StringComparer.Ordinal);

    /// <summary>True when interaction <paramref name="n"/> of <paramref name="page"/> has not run yet (and now counts as run).</summary>
    public bool TryBegin(string page, long n)
    {
        lock (_lastRun)
        {
            if (_lastRun.TryGetValue(page, out var last) && n <= last) return false;
            if (!_lastRun.ContainsKey(page) && _lastRun.Count >= MaxPages) _lastRun.Clear();
            _lastRun[page] = n;
            return true;
        }
    }
}
