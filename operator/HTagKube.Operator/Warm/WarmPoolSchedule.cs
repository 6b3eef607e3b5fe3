using System.Globalization;
using System.Text.RegularExpressions;

namespace HTagKube.Operator.Warm;

/// <summary>
/// Scheduled pre-warm for known rushes: "<c>Mon-Fri 08:55 40 30m</c>" = on weekdays from 08:55 (UTC) keep at least 40
/// warm pods for 30 minutes. Days: <c>*</c> (every day), a day (<c>Mon</c>), a range (<c>Mon-Fri</c>) or a comma list
/// (<c>Mon,Wed</c>); duration in <c>m</c> or <c>h</c>. Several entries are separated by <c>;</c>; the largest active one wins.
/// </summary>
public sealed partial class WarmPoolSchedule
{
    sealed record Entry(HashSet<DayOfWeek> Days, TimeSpan Start, int Pods, TimeSpan For);

    readonly List<Entry> _entries;
    WarmPoolSchedule(List<Entry> entries) => _entries = entries;

    /// <summary>No entries: nothing scheduled.</summary>
    public static readonly WarmPoolSchedule None = new([]);

    /// <summary>Whether any entry exists.</summary>
    public bool IsEmpty => _entries.Count == 0;

    /// <summary>The largest count any entry asks for (0 without entries).</summary>
    public int LargestPods => _entries.Count == 0 ? 0 : _entries.Max(e => e.Pods);

    /// <summary>
    /// The schedule in <paramref name="text"/> (empty or null = none); a bad entry is an <see cref="ArgumentException"/> naming it.
    /// </summary>
    public static WarmPoolSchedule Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return None;
        var entries = new List<Entry>();
        foreach (var raw in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var m = EntryRx().Match(raw);
            if (!m.Success)
            {
                throw new ArgumentException(
                    $"--warm-pool-schedule: '{raw}' is not 'DAYS HH:MM PODS DURATION' (e.g. 'Mon-Fri 08:55 40 30m')");
            }
            var minute = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            var start = new TimeSpan(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), minute, 0);
            var pods = int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
            var amount = int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture);
            var duration = m.Groups[6].Value == "h" ? TimeSpan.FromHours(amount) : TimeSpan.FromMinutes(amount);
            if (start >= TimeSpan.FromDays(1) || m.Groups[3].Value.Length != 2 || minute > 59)
                throw new ArgumentException($"--warm-pool-schedule: '{raw}': no such time of day");
            if (pods is < 1 or > 500 || duration <= TimeSpan.Zero || duration > TimeSpan.FromDays(1))
                throw new ArgumentException($"--warm-pool-schedule: '{raw}': pods must be 1..500 and the duration at most 24h");
            entries.Add(new Entry(Days(m.Groups[1].Value, raw), start, pods, duration));
        }
        return new WarmPoolSchedule(entries);
    }

    /// <summary>The pods scheduled at <paramref name="now"/> (UTC), or 0. An entry running past midnight still holds.</summary>
    public int PodsAt(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var best = 0;
        foreach (var e in _entries)
            foreach (var dayBack in new[] { 0, 1 })
            {
                var day = utc.Date.AddDays(-dayBack);
                var from = day + e.Start;
                if (e.Days.Contains(day.DayOfWeek) && utc >= from && utc < from + e.For) best = Math.Max(best, e.Pods);
            }
        return best;
    }

    static readonly string[] Names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    static HashSet<DayOfWeek> Days(string spec, string raw)
    {
        if (spec == "*") return [.. Enum.GetValues<DayOfWeek>()];
        var days = new HashSet<DayOfWeek>();
        foreach (var part in spec.Split(','))
        {
            var range = part.Split('-');
            var a = Day(range[0], raw);
            var b = range.Length == 2 ? Day(range[1], raw) : a;
            if (range.Length > 2) throw new ArgumentException($"--warm-pool-schedule: '{raw}': bad day range '{part}'");
            for (var d = a; ; d = (d + 1) % 7) { days.Add((DayOfWeek)d); if (d == b) break; }
        }
        return days;
    }

    static int Day(string name, string raw)
    {
        var i = Array.IndexOf(Names, name.ToLowerInvariant());
        return i >= 0 ? i : throw new ArgumentException($"--warm-pool-schedule: '{raw}': '{name}' is not a day (Mon..Sun)");
    }

    [GeneratedRegex(@"^(\*|[A-Za-z]{3}(?:-[A-Za-z]{3})?(?:,[A-Za-z]{3}(?:-[A-Za-z]{3})?)*)\s+(\d{1,2}):(\d{2})\s+(\d+)\s+(\d+)([mh])$")]
    private static partial Regex EntryRx();
}
