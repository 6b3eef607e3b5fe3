using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HTagKube.Bench;

/// <summary>docs/benchmarks.md: the figures table, the lean comparison, the startup/memory profile.</summary>
static class Markdown
{
    public static string Render(Report r, string leanText, string root)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Benchmarks");
        sb.AppendLine();
        sb.AppendLine("Written by `make bench` (`dotnet run -c Release --project tests/Bench -- [--quick]`); do not edit by hand. A partial run");
        sb.AppendLine("(`--only cold|burst|rtt|memory|lean|aot`, the commands in the last column) writes to `artifacts/bench/out/` instead of `docs/`.");
        sb.AppendLine($"Run: {r.StartedUtc} → {r.FinishedUtc}, mode **{r.Mode}**, commit {r.Commit}, {r.Runtime}.");
        sb.AppendLine($"Machine: {r.Machine}; load average at start `{r.LoadAverageAtStart}` (shared with other builds: read the **ratio to the same-run baseline**, not the absolute figure).");
        sb.AppendLine();
        sb.AppendLine("Everything runs on 127.0.0.1 as real processes: the router in local mode (`router/bin/Release/net10.0/HTagKube.Router.dll`), which spawns one");
        sb.AppendLine("`HTagKube.Demo.dll` userpod per new user (cookie jar); the same userpod started directly (with the `X-HTag-Token` the router would add);");
        sb.AppendLine("and the baselines from `tests/Bench/BareApp`: a bare ASP.NET Core 10 minimal app (`CreateBuilder` + `MapGet`), a bare Kestrel one");
        sb.AppendLine("(`KestrelServer` without a host, one delegate: the userpod's shape) and a raw Kestrel WebSocket echo. The app is the Demo's Counter at `/counter`; an interaction is one click message");
        sb.AppendLine("(`{\"id\":…,\"ev\":\"click\"}`) and ends when the reply carrying `update` is received (the browser's DOM morph is not included).");
        sb.AppendLine("**htagweb** figures are not measured by this run: htagweb cannot be installed here (PyPI is unreachable); they are quoted from");
        sb.AppendLine("`shared/HTAGWEB.md` (htagweb 0.60.3 measured earlier on this same 2-core machine). Targets are issue 7's.");
        sb.AppendLine("Every process the bench starts gets `DOTNET_hostBuilder__reloadConfigOnChange=false` (finding 1: without it userpods abort when the");
        sb.AppendLine("machine's inotify instances run out) and `HTAG_MAX_INTERACTIONS_PER_SECOND=1000000` (the per-socket abuse limit, 50/s, is not what is measured).");
        sb.AppendLine("Tail latencies (p95, p99) and the 20-at-once figures depend on what else the 2 shared cores run: compare them with the baseline's own");
        sb.AppendLine("tail in the same row. CPU figures (per start, per interaction) exclude waiting for a core, but cache and core contention still inflate them: compare within a run.");
        sb.AppendLine();
        sb.AppendLine("| scenario | measure | path | value | same-run baseline | ratio | htagweb (quoted) | target | met | reproduce |");
        sb.AppendLine("| --- | --- | --- | ---: | --- | ---: | --- | --- | --- | --- |");
        foreach (var x in r.Rows)
        {
            var baseline = x.Baseline is { } b ? $"{Report.F(b)} {x.Unit} ({x.BaselineName})" : "—";
            var ratio = x.Ratio is { } q ? "×" + q.ToString("0.00", CultureInfo.InvariantCulture) : "—";
            var target = x.Target is { } t ? "≤ " + Report.F(t) + " " + x.Unit : "—";
            var met = x.MeetsTarget switch { true => "yes", false => "**no**", _ => "" };
            var measure = x.Note is null ? x.Measure : $"{x.Measure} <br><sub>{x.Note}</sub>";
            sb.AppendLine($"| {x.Scenario} | {measure} | {x.Path} | **{Report.F(x.Value)}** {x.Unit} | {baseline} | {ratio} | {x.Htagweb ?? "—"} | {target} | {met} | `{x.Command}` |");
        }
        sb.AppendLine();
        if (r.SideBySide.Count > 0)
        {
            sb.AppendLine("## NativeAOT userpod beside the JIT one");
            sb.AppendLine();
            sb.AppendLine("The Demo published with NativeAOT (`make userpod-aot`: one native executable, the userpod image's program) and the JIT Demo");
            sb.AppendLine("(`dotnet HTagKube.Demo.dll`, what `make run` starts), each behind the same router (`--userpod-command`). \"outside\" = a client in its own");
            sb.AppendLine("process, as a browser is: one `curl` process per new user, without cookies (the router gives each a fresh uid). Targets are issue 15's;");
            sb.AppendLine("\"met\" needs the AOT figure within the target both ways it was measured.");
            sb.AppendLine();
            sb.AppendLine("| measure | JIT | JIT, outside client | NativeAOT | NativeAOT, outside client | target | met | how |");
            sb.AppendLine("| --- | ---: | ---: | ---: | ---: | --- | --- | --- |");
            foreach (var x in r.SideBySide)
            {
                string V(double? v) => v is { } d && !double.IsNaN(d) ? Report.F(d) + " " + x.Unit : "—";
                var target = x.Target is { } t ? "≤ " + Report.F(t) + " " + x.Unit : "—";
                var met = x.MeetsTarget switch { true => "yes", false => "**no**", _ => "" };
                sb.AppendLine($"| {x.Measure} | {V(x.Jit)} | {V(x.JitOutside)} | **{V(x.Aot)}** | {V(x.AotOutside)} | {target} | {met} | {x.Note} |");
            }
            sb.AppendLine();
            sb.AppendLine($"Reproduce: `{r.SideBySide[0].Command}`.");
            sb.AppendLine();
        }
        if (r.AotKnobs.Count > 0)
        {
            sb.AppendLine("### Runtime knobs and warm-up under NativeAOT");
            sb.AppendLine();
            sb.AppendLine("The AOT userpod started directly (rounds interleaved across variants); \"page after listening\" = cold first page − listening;");
            sb.AppendLine("PSS/RSS of one userpod alone after its first page and the clicks; round trip = p50 of the second half of the clicks.");
            sb.AppendLine();
            sb.AppendLine("| variant | how | cold first page ms | listening ms | page after listening ms | CPU ms to first page | PSS after clicks MB | RSS after clicks MB | round trip p50 ms |");
            sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var k in r.AotKnobs)
                sb.AppendLine($"| {k.Variant} | {k.How} | {Report.F(k.ColdFirstPageMs)} | {Report.F(k.ListeningMs)} | {Report.F(k.PageAfterListeningMs)} | {Report.F(k.CpuMs)} | {Report.F(k.PssAfterClicksMb)} | {Report.F(k.RssAfterClicksMb)} | {k.RttP50Ms:0.###} |");
            sb.AppendLine();
        }
        if (r.Lean.Count > 0)
        {
            sb.AppendLine("## Making the userpod lean: variants (before/after)");
            sb.AppendLine();
            sb.AppendLine("Each variant is the same Demo userpod started directly; files and runtimeconfig are copied to `artifacts/bench/variants/`.");
            sb.AppendLine("Cold = spawn → first complete page (median of the rounds, interleaved across variants); listening = spawn → `htag-listening`;");
            sb.AppendLine("runtime init = spawn → the first managed code (a startup hook); PSS with N userpods of the variant alive, each with an active user;");
            sb.AppendLine("CPU = all threads' CPU time to the first page (excludes waiting for a core; /proc/PID/task/*/schedstat);");
            sb.AppendLine("\"PSS after clicks\" = one userpod alone after its first page and all the clicks; round trip = p50 of the second half of the clicks on one userpod;");
            sb.AppendLine("JIT/assemblies/GC/threads from the probe hook");
            sb.AppendLine("(`tests/Bench/Probe`, which itself adds ~1 assembly and a few methods). Reproduce: `dotnet run -c Release --project tests/Bench -- --only lean`.");
            sb.AppendLine();
            sb.AppendLine("| variant | how | cold first page ms | CPU ms to first page | listening ms | runtime init ms | PSS/process MB | PSS anon MB | PSS after clicks MB | round trip p50 ms | JIT methods at listening | JIT methods after use | JIT ms | assemblies | GC heap MB after clicks | allocated MB | threads | gen0 GCs |");
            sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var l in r.Lean)
                sb.AppendLine($"| {l.Variant} | {l.How} | {Report.F(l.ColdFirstPageMs)} | {Report.F(l.ColdCpuMs)} | {Report.F(l.ListeningMs)} | {Report.F(l.RuntimeInitMs)} | {Report.F(l.PssPerProcessMb)} | {Report.F(l.PssAnonPerProcessMb)} | {Report.F(l.PssAfterClicksMb)} | {l.RttP50Ms:0.###} | {l.JitMethodsAtListening} | {l.JitMethodsAfterUse} | {Report.F(l.JitMsAfterUse)} | {l.Assemblies} | {Report.F(l.GcHeapMb)} | {Report.F(l.AllocatedMb)} | {l.Threads} | {l.Gen0Collections} |");
            sb.AppendLine();
            sb.AppendLine(leanText);
            sb.AppendLine();
        }
        if (r.MemoryBreakdownKb.Count > 0)
        {
            sb.AppendLine("## Where one process's memory goes (PSS by mapping, MB; from /proc/PID/smaps)");
            sb.AppendLine();
            sb.AppendLine("PSS shares each file-backed page among the processes mapping it, so the assembly and runtime rows depend on how many other .NET");
            sb.AppendLine("processes run at that moment (\"alone\" columns: few); the anonymous rows and `memfd:doublemapper` (JIT-compiled code and stubs,");
            sb.AppendLine("W^X double mapping) are private to the process.");
            sb.AppendLine();
            var cats = r.MemoryBreakdownKb.Values.SelectMany(d => d.Keys).Distinct()
                .OrderByDescending(c => r.MemoryBreakdownKb.Values.Sum(d => d.GetValueOrDefault(c))).ToList();
            var subjects = r.MemoryBreakdownKb.Keys.ToList();
            sb.AppendLine("| mapping | " + string.Join(" | ", subjects) + " |");
            sb.AppendLine("| --- |" + string.Concat(subjects.Select(_ => " ---: |")));
            foreach (var c in cats.Where(c => r.MemoryBreakdownKb.Values.Any(d => d.GetValueOrDefault(c) >= 100)))
                sb.AppendLine($"| {c} | " + string.Join(" | ", subjects.Select(s => Report.F(r.MemoryBreakdownKb[s].GetValueOrDefault(c) / 1024.0))) + " |");
            sb.AppendLine("| **total PSS** | " + string.Join(" | ", subjects.Select(s => "**" + Report.F(r.MemoryBreakdownKb[s].Values.Sum() / 1024.0) + "**")) + " |");
            sb.AppendLine();
        }
        if (r.Probes.Count > 0)
        {
            sb.AppendLine("## Startup profile (probe snapshots)");
            sb.AppendLine();
            sb.AppendLine("| subject | JIT methods | JIT IL bytes | JIT ms | assemblies | GC heap MB | GC committed MB | gen0/1/2 GCs | threads | server GC | GC mode |");
            sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |");
            foreach (var (k, e) in r.Probes)
            {
                if (e.ValueKind != JsonValueKind.Object) { sb.AppendLine($"| {k} | (no snapshot) |||||||||| "); continue; }
                var gcs = string.Join("/", e.GetProperty("gcCollections").EnumerateArray().Select(x => x.GetInt32()));
                sb.AppendLine($"| {k} | {e.GetProperty("jitMethods")} | {e.GetProperty("jitIlBytes")} | {e.GetProperty("jitMs")} | {e.GetProperty("assemblies")} | " +
                    $"{Report.F(e.GetProperty("gcHeapBytes").GetInt64() / 1048576.0)} | {Report.F(e.GetProperty("gcCommittedBytes").GetInt64() / 1048576.0)} | {gcs} | {e.GetProperty("threads")} | {e.GetProperty("serverGc")} | {e.GetProperty("latencyMode").GetString()} |");
            }
            sb.AppendLine();
            var names = r.Probes.Where(p => p.Key.Contains("after first page", StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.Object).Select(p => p.Value).FirstOrDefault();
            var bare = r.Probes.Where(p => p.Key.StartsWith("bare kestrel", StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.Object).Select(p => p.Value).FirstOrDefault();
            if (names.ValueKind == JsonValueKind.Object && bare.ValueKind == JsonValueKind.Object)
            {
                var bareSet = bare.GetProperty("assemblyNames").EnumerateArray().Select(x => x.GetString()!).ToHashSet();
                var extra = names.GetProperty("assemblyNames").EnumerateArray().Select(x => x.GetString()!).Where(n => !bareSet.Contains(n)).Order().ToList();
                sb.AppendLine($"Assemblies a userpod loads beyond the bare Kestrel app ({extra.Count}): {string.Join(", ", extra.Select(n => "`" + n + "`"))}.");
                sb.AppendLine();
            }
        }
        sb.AppendLine(Findings.Render(r, root));
        if (r.Notes.Count > 0) { sb.AppendLine("Notes: " + string.Join("; ", r.Notes)); sb.AppendLine(); }
        if (r.Errors.Count > 0) { sb.AppendLine("**Errors in this run:** " + string.Join("; ", r.Errors)); sb.AppendLine(); }
        return sb.ToString();
    }
}
