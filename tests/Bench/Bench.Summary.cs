using System.Globalization;

namespace HTagKube.Bench;

/// <summary>The lean comparison in words: before → after, from this run's figures.</summary>
sealed partial class Bench
{
    string LeanSummary()
    {
        if (_report.Lean.Count == 0) return "";
        LeanRow? Find(string prefix) => _report.Lean.FirstOrDefault(l => l.Variant.StartsWith(prefix, StringComparison.Ordinal));
        var before = Find("before");
        if (before is null) return "";
        string Pct(double a, double b) => (b == 0 || double.IsNaN(a) || double.IsNaN(b)) ? "—" : ((a - b) / b * 100).ToString("+0;-0", CultureInfo.InvariantCulture) + " %";
        var lines = new List<string> { "Change against **before: SDK defaults** (same run; negative = better):", "" };
        foreach (var l in _report.Lean.Where(l => l != before))
            lines.Add($"- {l.Variant}: cold first page {Pct(l.ColdFirstPageMs, before.ColdFirstPageMs)}, CPU to first page {Pct(l.ColdCpuMs, before.ColdCpuMs)}, PSS/process {Pct(l.PssPerProcessMb, before.PssPerProcessMb)}, " +
                      $"round trip p50 {Pct(l.RttP50Ms, before.RttP50Ms)}, JIT'd methods after use {l.JitMethodsAfterUse - before.JitMethodsAfterUse:+0;-0;0}.");
        return string.Join("\n", lines);
    }
}
