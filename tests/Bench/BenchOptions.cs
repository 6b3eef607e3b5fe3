using System.Globalization;

namespace HTagKube.Bench;

/// <summary>Command-line options and the sizes of each phase (quick = for development, full = the published figures).</summary>
sealed class BenchOptions
{
    public bool Quick { get; private set; }
    public HashSet<string> Only { get; } = new(StringComparer.OrdinalIgnoreCase);
    public bool R2R { get; private set; } = true;
    public string? OutDir { get; private set; }
    /// <summary>The NativeAOT-published Demo (make userpod-aot); the "aot" phase runs only with it.</summary>
    public string? AotUserpod { get; private set; }
    /// <summary>Extra environment for the router process (and so its userpods): to measure a router-side setting.</summary>
    public Dictionary<string, string?> RouterEnv { get; } = [];

    public static readonly string[] Phases = ["cold", "burst", "rtt", "memory", "lean", "aot", "scaling"];

    /// <summary>The cluster bench's phases (<c>--cluster</c>; "idle" needs no cluster: 200 AOT userpods on this machine; "idle-pods":
    /// warm pods of the chart, as the kubelet probes them).</summary>
    public static readonly string[] ClusterPhases = ["raw", "arrivals", "rush", "idle-pods", "idle"];

    /// <summary><c>--cluster</c>, or <c>--only</c> naming cluster-bench phases only: the cluster bench (docs/benchmarks.md, section "On Kubernetes").</summary>
    public bool Cluster { get; private set; }
    /// <summary>Tag of the htagkube/{router,operator,userpod} images the chart installs (<c>--image-tag</c>; default: the chart's appVersion).</summary>
    public string? ImageTag { get; private set; }
    /// <summary>More chart values (<c>--set name=value</c>, as helm's), on every install of the run.</summary>
    public List<string> HelmSets { get; } = [];
    /// <summary>--variant: only the chart variants whose name contains one of these (the cluster bench; all when empty).</summary>
    public List<string> Variants { get; } = [];

    public int RawPods => 50;
    public int RawPodsSmall => 30;
    public int ArrivalUsers => 60;
    public double ArrivalsPerSecond => 2;
    public int RushUsers => 30;
    public TimeSpan RushWindow => TimeSpan.FromSeconds(1);
    public int IdleUserpods => _idleUserpods ?? (Quick ? 50 : 200);
    public TimeSpan IdleWindow => TimeSpan.FromSeconds(_idleWindowSeconds ?? (Quick ? 20 : 60));
    /// <summary>Warm pods left idle in the idle-pods phase (<c>--idle-pods</c>).</summary>
    public int IdlePods => _idlePods ?? (Quick ? 10 : 30);
    int? _idleUserpods, _idlePods;
    double? _idleWindowSeconds;
    /// <summary>The idle phase's environments (<c>--idle-variants</c>): pod, pod-no-ping, pod-no-ws, idle-stop.</summary>
    public List<string> IdleVariants { get; } = [];
    public static readonly string[] IdleVariantNames = ["pod", "pod-no-ping", "pod-no-ws", "idle-stop"];
    /// <summary>More environment for the idle phase's userpods (<c>--idle-env NAME=VALUE</c>): to measure a runtime knob.</summary>
    public Dictionary<string, string?> IdleEnv { get; } = [];

    public int ColdRounds => Quick ? 3 : 7;
    public int BurstUsers => 20;
    public int RttWarmup => Quick ? 200 : 500;
    public int RttRounds => Quick ? 4 : 10;
    public int RttPerRound => Quick ? 200 : 500;
    public int ConcurrentUsers => 20;
    public TimeSpan ConcurrentDuration => TimeSpan.FromSeconds(Quick ? 2 : 5);
    public int[] MemoryStages => Quick ? [1, 10, 25] : [1, 10, 50];
    public int LeanRounds => Quick ? 3 : 7;
    public int LeanProcesses => Quick ? 5 : 10;
    public int LeanClicks => Quick ? 1000 : 3000;
    public int AotRounds => Quick ? 3 : 7;
    public int[] AotMemoryStages => [2, 10];
    /// <summary>Hard cap on the whole run.</summary>
    public TimeSpan Deadline => TimeSpan.FromMinutes(Quick ? 8 : 20);

    public bool Runs(string phase) => Only.Count == 0 || Only.Contains(phase);

    public static BenchOptions? Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": o.Quick = true; break;
                case "--no-r2r": o.R2R = false; break;
                case "--only" when i + 1 < args.Length:
                    foreach (var p in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!Phases.Contains(p, StringComparer.OrdinalIgnoreCase) && !ClusterPhases.Contains(p, StringComparer.OrdinalIgnoreCase))
                        { Console.Error.WriteLine($"unknown phase '{p}' (phases: {string.Join(',', Phases)}; with --cluster: {string.Join(',', ClusterPhases)})"); return null; }
                        o.Only.Add(p);
                    }
                    break;
                case "--cluster": o.Cluster = true; break;
                case "--image-tag" when i + 1 < args.Length: o.ImageTag = args[++i]; break;
                case "--set" when i + 1 < args.Length && args[i + 1].Contains('='): o.HelmSets.Add(args[++i]); break;
                case "--set-string" when i + 1 < args.Length && args[i + 1].Contains('='): o.HelmSets.Add(HTagKube.Bench.Cluster.ChartInstall.StringValue + args[++i]); break;
                case "--variant" when i + 1 < args.Length: o.Variants.Add(args[++i]); break;
                case "--out" when i + 1 < args.Length: o.OutDir = args[++i]; break;
                case "--aot-userpod" when i + 1 < args.Length: o.AotUserpod = args[++i]; break;
                case "--idle-userpods" when i + 1 < args.Length && int.TryParse(args[i + 1], out var idleN) && idleN > 0:
                    o._idleUserpods = idleN; i++; break;
                case "--idle-pods" when i + 1 < args.Length && int.TryParse(args[i + 1], out var podsN) && podsN > 0:
                    o._idlePods = podsN; i++; break;
                case "--idle-window" when i + 1 < args.Length
                                          && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && w > 0:
                    o._idleWindowSeconds = w; i++; break;
                case "--idle-variants" when i + 1 < args.Length:
                    foreach (var v in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!IdleVariantNames.Contains(v))
                        {
                            Console.Error.WriteLine($"unknown idle variant '{v}' ({string.Join(',', IdleVariantNames)})");
                            return null;
                        }
                        o.IdleVariants.Add(v);
                    }
                    break;
                case "--idle-env" when i + 1 < args.Length && args[i + 1].Contains('='):
                    var ie = args[++i].Split('=', 2);
                    o.IdleEnv[ie[0]] = ie[1];
                    break;
                case "--router-env" when i + 1 < args.Length && args[i + 1].Contains('='):
                    var kv = args[++i].Split('=', 2);
                    o.RouterEnv[kv[0]] = kv[1];
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'. Usage: [--quick] [--only {string.Join(',', Phases)}] [--no-r2r] [--out DIR] [--router-env NAME=VALUE] [--aot-userpod PATH]"
                        + $" | --cluster [--only {string.Join(',', ClusterPhases)}] [--image-tag TAG] [--set name=value]... [--set-string name=value]... [--variant TEXT]..."
                        + $" [--idle-userpods N] [--idle-pods N] [--idle-window SECONDS] [--idle-variants {string.Join(',', IdleVariantNames)}]"
                        + " [--idle-env NAME=VALUE]...");
                    return null;
            }
        }
        var clusterOnly = o.Only.Where(p => ClusterPhases.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList();
        if (clusterOnly.Count > 0 && clusterOnly.Count < o.Only.Count)
        {
            Console.Error.WriteLine($"--only mixes local phases with cluster-bench phases ({string.Join(',', clusterOnly)}): run them separately");
            return null;
        }
        if (clusterOnly.Count > 0) o.Cluster = true;
        return o;
    }

    /// <summary>The command that reproduces a figure of <paramref name="phase"/>.</summary>
    public string Command(string phase) =>
        $"dotnet run -c Release --project tests/Bench -- --only {phase}" + (Quick ? " --quick" : "");

    /// <summary>The command that reproduces the cluster bench (its images and values included).</summary>
    public string ClusterCommand() =>
        "make bench ARGS=\"--cluster" + (Quick ? " --quick" : "") + (Only.Count > 0 ? " --only " + string.Join(',', Only) : "")
        + (ImageTag is null ? "" : " --image-tag " + ImageTag) + string.Concat(HelmSets.Select(s => " " + HTagKube.Bench.Cluster.ChartInstall.HelmFlag(s)))
        + string.Concat(Variants.Select(v => " --variant " + v))
        + (_idleUserpods is { } n ? $" --idle-userpods {n}" : "")
        + (_idlePods is { } pods ? $" --idle-pods {pods}" : "")
        + (_idleWindowSeconds is { } w ? $" --idle-window {w.ToString(CultureInfo.InvariantCulture)}" : "")
        + (IdleVariants.Count > 0 ? " --idle-variants " + string.Join(',', IdleVariants) : "")
        + string.Concat(IdleEnv.Select(kv => $" --idle-env {kv.Key}={kv.Value}")) + "\"";
}
