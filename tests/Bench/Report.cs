using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HTagKube.Bench;

/// <summary>One measured figure, beside its same-run baseline, htagweb's reference and the target.</summary>
sealed record Row(
    string Scenario, string Measure, string Path, double Value, string Unit,
    string? BaselineName = null, double? Baseline = null,
    string? Htagweb = null, double? Target = null, string? Command = null, string? Note = null)
{
    public double? Ratio => Baseline is > 0 ? Math.Round(Value / Baseline.Value, 2) : null;
    public bool? MeetsTarget => Target is null ? null : Value <= Target.Value;
}

/// <summary>One userpod build/configuration variant in the "make it lean" comparison.</summary>
sealed record LeanRow(
    string Variant, string How, double ColdFirstPageMs, double ColdCpuMs, double ListeningMs, double RuntimeInitMs,
    double PssPerProcessMb, double PssAnonPerProcessMb, double PssAfterClicksMb, double RttP50Ms,
    long JitMethodsAtListening, long JitMethodsAfterUse, double JitMsAfterUse, int Assemblies,
    double GcHeapMb, double AllocatedMb, int Threads, int Gen0Collections);

/// <summary>One figure for the JIT and the NativeAOT userpod, from the bench's client and from an outside one (curl).</summary>
sealed record PairRow(string Measure, string Unit, double? Target, double Jit, double? JitOutside, double Aot, double? AotOutside, string Note, string Command)
{
    /// <summary>Met when the AOT figure is within the target both ways it was measured.</summary>
    public bool? MeetsTarget => Target is not { } t || double.IsNaN(Aot) ? null : Aot <= t && (AotOutside is not { } x || x <= t);
}

/// <summary>A runtime knob on the NativeAOT userpod: cold start, memory after a session, round trip.</summary>
sealed record KnobRow(string Variant, string How, double ColdFirstPageMs, double ListeningMs, double PageAfterListeningMs, double CpuMs,
    double PssAfterClicksMb, double RssAfterClicksMb, double RttP50Ms, string Command);

/// <summary>Everything one bench run measured; written as docs/benchmarks.json and docs/benchmarks.md.</summary>
sealed class Report
{
    public string StartedUtc { get; set; } = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
    public string? FinishedUtc { get; set; }
    public string Mode { get; set; } = "full";
    public string Machine { get; set; } = "";
    public string LoadAverageAtStart { get; set; } = "";
    public string Commit { get; set; } = "";
    public string Runtime { get; set; } = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
    public List<Row> Rows { get; } = [];
    public List<LeanRow> Lean { get; } = [];
    public List<PairRow> SideBySide { get; } = [];
    public List<KnobRow> AotKnobs { get; } = [];
    /// <summary>Where one userpod's memory goes (PSS kB by mapping kind), userpod vs bare app.</summary>
    public Dictionary<string, Dictionary<string, long>> MemoryBreakdownKb { get; } = [];
    /// <summary>Probe snapshots (JIT, assemblies, GC) by subject.</summary>
    public Dictionary<string, JsonElement> Probes { get; } = [];
    public List<string> Notes { get; } = [];
    public List<string> Errors { get; } = [];

    public void Add(Row r)
    {
        Rows.Add(r);
        var ratio = r.Ratio is { } x ? $"  (x{x:0.00} of {r.BaselineName} {r.Baseline:0.###})" : "";
        Console.WriteLine($"  {r.Scenario} | {r.Measure} | {r.Path}: {r.Value:0.###} {r.Unit}{ratio}");
    }

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public void WriteJson(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Writes the local bench's document, keeping the cluster bench's and the dev loop's sections of the file it replaces.</summary>
    public void WriteMarkdown(string path, string leanText, string root) =>
        File.WriteAllText(path, DocSection.KeepSections(Markdown.Render(this, leanText, root), File.Exists(path) ? File.ReadAllText(path) : null));

    internal static string F(double v) => double.IsNaN(v) ? "—" : v >= 100 ? v.ToString("0", CultureInfo.InvariantCulture) : v >= 10 ? v.ToString("0.0", CultureInfo.InvariantCulture) : v.ToString("0.00", CultureInfo.InvariantCulture);
    internal static string F(double? v) => v is { } x ? F(x) : "—";
}
