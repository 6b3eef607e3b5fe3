using System.Globalization;
using System.Text;

namespace HTagKube.Bench;

/// <summary>The findings and recommended changes outside the bench's folders, with this run's figures filled in.</summary>
static class Findings
{
    public static string Render(Report r, string root)
    {
        LeanRow? L(string prefix) => r.Lean.FirstOrDefault(l => l.Variant.StartsWith(prefix, StringComparison.Ordinal));
        Row? R(string scenario, string measurePrefix, string path) =>
            r.Rows.FirstOrDefault(x => x.Scenario == scenario && x.Measure.StartsWith(measurePrefix, StringComparison.Ordinal) && x.Path == path);
        static string N(double? v, string unit = "") => v is { } x && !double.IsNaN(x) ? Report.F(x) + unit : "(not measured in this run)";
        var before = L("before"); var noWatch = L("no appsettings watch"); var after = L("after: as built"); var afterEnv = L("after + recommended");
        var r2r = L("R2R, SDK"); var r2rAll = L("R2R + as built"); var wx = L("W^X off"); var g4 = L("gen0 budget 4 MB"); var pgo = L("TieredPGO off");
        var sb = new StringBuilder();
        sb.AppendLine("## Findings and recommended changes");
        sb.AppendLine();
        sb.AppendLine("Changes in other engineers' folders are recommendations only (not made by the bench); each was measured here by running the");
        sb.AppendLine("same programs with the setting applied (env var, runtimeconfig copy or publish), figures from this run.");
        sb.AppendLine();
        var routerSetsIt = Has(root, "router/Provisioning/UserpodCommand.cs", "reloadConfigOnChange");
        var noHost = Has(root, "userpod/HTag.Server/HTagServer.cs", "new KestrelServer(");
        sb.AppendLine("1. **inotify instances.** Every ASP.NET Core process built with the default builders watches `appsettings.json` with its own inotify");
        sb.AppendLine("   instance; Linux allows `fs.inotify.max_user_instances` = " + Read("/proc/sys/fs/inotify/max_user_instances") + " per uid here, shared by all processes of that uid (on a");
        sb.AppendLine("   Kubernetes node: all containers running as that uid). While the bench was developed (other test suites running), userpods exited");
        sb.AppendLine("   with code 134 (`The configured user limit (128) on the number of inotify instances has been reached`) and the router answered 503.");
        sb.AppendLine($"   Status at this commit: the router sets `DOTNET_hostBuilder__reloadConfigOnChange=false` on userpods: **{(routerSetsIt ? "yes" : "no")}**; the userpod");
        var imageSetsIt = Has(root, "userpod/Dockerfile", "reloadConfigOnChange=false");
        sb.AppendLine($"   runs Kestrel without the generic host and reads no appsettings file: **{(noHost ? "yes" : "no")}**; the same `ENV` in `userpod/Dockerfile` for app");
        sb.AppendLine($"   programs built on other hosts: **{(imageSetsIt ? "yes" : "no")}**. The bench sets the variable on every process it starts, baselines included.");
        sb.AppendLine($"   Measured (before = watching → no watch): CPU to first page {N(before?.ColdCpuMs, " ms")} → {N(noWatch?.ColdCpuMs, " ms")}, threads {before?.Threads} → {noWatch?.Threads},");
        sb.AppendLine($"   assemblies {before?.Assemblies} → {noWatch?.Assemblies} (equal when the userpod no longer reads appsettings at all).");
        sb.AppendLine();
        var cpu = R("1. new user, cold", "CPU time to first page", "direct userpod");
        var pool = R("1. new users, 20 at once", "first page, median", "direct, 20 pre-started userpods (warm pool)");
        var spares = R("1. new users, 20 at once", "first page, median", "router --warm-pool 20");
        var spares1 = R("1. new user, cold", "first page (median", "router --warm-pool 2");
        var burst = R("1. new users, 20 at once", "first page, median", "router");
        var sparesR2R = R("1. new users, 20 at once", "first page, median", "router --warm-pool 20, ReadyToRun userpod");
        var dflt = R("1. new users, 20 at once", "first page, median", "router, defaults (--warm-pool 2)");
        var warmUp = Has(root, "router/Provisioning/UserpodCommand.cs", "HTAG_WARMUP");
        var gate = Has(root, "router/Provisioning/LocalProcessProvisioner.cs", "StartGate");
        sb.AppendLine("2. **20 new users at once is CPU-bound: start userpods ahead, warm them up, and start the rest a core at a time.** Starting one");
        sb.AppendLine($"   userpod costs {N(cpu?.Value, " ms")} of CPU to its first page (bare minimal app: {N(cpu?.Baseline, " ms")}), so 20 starts on 2 cores need ≥ 20 × that / 2");
        sb.AppendLine($"   of CPU whatever the code does. Without a pool, median {N(burst?.Value, " ms")}; as installed (`--warm-pool 2`) {N(dflt?.Value, " ms")}.");
        sb.AppendLine($"   With a pool as large as the burst: one new user {N(spares1?.Value, " ms")} (`--warm-pool 2`), 20 at once {N(spares?.Value, " ms")} (`--warm-pool 20`);");
        sb.AppendLine($"   the same with a ReadyToRun userpod {N(sparesR2R?.Value, " ms")}; 20 pre-started but never warmed-up userpods, direct: {N(pool?.Value, " ms")}");
        sb.AppendLine("   (each JIT-compiles its first page). Status at this commit: warm-pool userpods render every app once before joining the pool (`HTAG_WARMUP`):");
        sb.AppendLine($"   **{(warmUp ? "yes" : "no")}**; at most one start per core at a time, users before refills, refills after a burst settles (`--max-starting`):");
        sb.AppendLine($"   **{(gate ? "yes" : "no")}**.");
        sb.AppendLine();
        sb.AppendLine("3. **ReadyToRun for the userpod: measured, superseded by NativeAOT.** `userpod/Directory.Build.props` turns `PublishReadyToRun` on");
        sb.AppendLine("   whenever a runtime is given for a JIT publish (`dotnet publish userpod/Demo -c Release -r linux-x64 --self-contained false`).");
        sb.AppendLine($"   Methods JIT-compiled by the first page and clicks {before?.JitMethodsAfterUse} → {r2r?.JitMethodsAfterUse} (R2R alone), {r2rAll?.JitMethodsAfterUse} (R2R + all settings), but");
        sb.AppendLine($"   CPU to first page {N(before?.ColdCpuMs, " ms")} → {N(r2r?.ColdCpuMs, " ms")} / {N(r2rAll?.ColdCpuMs, " ms")} and cold first page {N(before?.ColdFirstPageMs, " ms")} → {N(r2r?.ColdFirstPageMs, " ms")} / {N(r2rAll?.ColdFirstPageMs, " ms")}:");
        sb.AppendLine("   a few percent at most. The userpod image is NativeAOT instead (item 9). The router and operator images are published ReadyToRun");
        sb.AppendLine("   (`make image-router`, `make image-operator`): their own first requests, not a userpod's, were what a fresh router's first page waited on.");
        sb.AppendLine();
        sb.AppendLine("4. **userpod/Directory.Build.props (done, my folder):** workstation GC, no concurrent (background) GC, `TieredPGO=false`,");
        sb.AppendLine("   `MetadataUpdaterSupport=false`, ReadyToRun on RID publishes; `InvariantGlobalization` was already set for the whole repo (no ICU).");
        sb.AppendLine($"   Measured (before = SDK defaults → as built): CPU to first page {N(before?.ColdCpuMs, " ms")} → {N(after?.ColdCpuMs, " ms")}, JIT time {N(before?.JitMsAfterUse, " ms")} → {N(after?.JitMsAfterUse, " ms")},");
        sb.AppendLine($"   PSS/process {N(before?.PssPerProcessMb, " MB")} → {N(after?.PssPerProcessMb, " MB")}, threads {before?.Threads} → {after?.Threads}, round trip p50 {before?.RttP50Ms:0.###} → {after?.RttP50Ms:0.###} ms");
        sb.AppendLine($"   (TieredPGO off alone: JIT time {N(pgo?.JitMsAfterUse, " ms")}, CPU to first page {N(pgo?.ColdCpuMs, " ms")}).");
        sb.AppendLine("   Not set, on purpose: `UseSystemResourceKeys` (exception messages would become resource keys in the userpod's logs: a debugging cost");
        sb.AppendLine("   for no measurable start-up gain, userpods throw no exceptions on the hot path); `AutoreleasePoolSupport` (macOS only, no effect on");
        sb.AppendLine("   Linux); `System.GC.ConserveMemory` (only changes gen2 compaction decisions: no effect at userpod heap sizes, see its row);");
        sb.AppendLine("   `EventSourceSupport=false` (small gain, but it disables `dotnet-counters`/`dotnet-trace` for diagnosing a user's process).");
        sb.AppendLine();
        var g0Router = Has(root, "router/Provisioning/UserpodCommand.cs", "DOTNET_GCgen0size");
        var g0Image = Has(root, "userpod/Dockerfile", "DOTNET_GCgen0size");
        sb.AppendLine($"5. **Small gen0 budget (router: {(g0Router ? "set" : "not set")}; userpod image: {(g0Image ? "set" : "not set")}).** Workstation GC sizes gen0 from the L3 cache (32 MB here): a userpod collects");
        sb.AppendLine($"   for the first time only after tens of MB of garbage, so every long-lived userpod grows towards that. `DOTNET_GCgen0size=400000`");
        sb.AppendLine($"   (4 MB, hex, env only) caps it: GC heap after the clicks {N(before?.GcHeapMb, " MB")} → {N(g4?.GcHeapMb, " MB")} ({before?.Gen0Collections} → {g4?.Gen0Collections} gen0 GCs), round trip p50 {before?.RttP50Ms:0.###} → {g4?.RttP50Ms:0.###} ms.");
        sb.AppendLine("   It is an unsupported (but honoured) runtime knob; an explicit `DOTNET_GCgen0size` in the router's environment wins.");
        sb.AppendLine("   NativeAOT reads it as hex digits only: `0x400000` is ignored there, `400000` works for both runtimes (the image and the router use it; item 9).");
        sb.AppendLine();
        sb.AppendLine($"6. **W^X off is measured, not recommended.** `DOTNET_EnableWriteXorExecute=0` saves start-up CPU ({N(before?.ColdCpuMs, " ms")} → {N(wx?.ColdCpuMs, " ms")})");
        sb.AppendLine("   but removes a hardening of every user's process; PSS is unchanged (the double-mapped code moves from `memfd:doublemapper` to anonymous memory).");
        sb.AppendLine();
        var marginal = R("3. memory per user (PSS)", "marginal", "router (local mode)");
        var coldDirect = R("1. new user, cold", "first page (median of", "direct userpod");
        sb.AppendLine("7. **No generic host in the userpod (done).** `HTagServer` runs `KestrelServer` directly with one request delegate: no dependency");
        sb.AppendLine("   injection container, hosted services, options or logging pipeline (a one-line console logger instead), 46 assemblies loaded instead");
        sb.AppendLine("   of 72. Before (full run at commit 8689e0e, `WebApplication.CreateEmptyBuilder`): marginal PSS 15.9 MB per user (×0.99 of a bare");
        sb.AppendLine("   minimal app), CPU to first page 219 ms, direct cold first page 216 ms, spawn → listening 149 ms. This run: marginal PSS");
        sb.AppendLine($"   {N(marginal?.Value, " MB")} (×{(marginal is { Baseline: > 0 } m ? (m.Value / m.Baseline!.Value).ToString("0.00", CultureInfo.InvariantCulture) : "?")} of a bare minimal app), CPU to first page {N(cpu?.Value, " ms")}, direct cold first page {N(coldDirect?.Value, " ms")}.");
        sb.AppendLine();
        sb.AppendLine("8. **Memory floor.** What remains is about what a bare Kestrel app costs plus the apps' own code (see the mapping table):");
        sb.AppendLine("   about half is anonymous memory (GC heap, type data, thread stacks), a third is JIT-compiled code and stubs (`memfd:doublemapper`), the");
        sb.AppendLine("   rest the mapped runtime and assemblies, shared between userpods. None of the runtime settings above moves it by more than a few");
        var tc = L("tiered compilation off"); var seg = L("segments GC"); var arenas = L("glibc arenas 2");
        sb.AppendLine($"   percent (PSS/process as built {N(after?.PssPerProcessMb, " MB")}; tiered compilation off {N(tc?.PssPerProcessMb, " MB")}, segments GC {N(seg?.PssPerProcessMb, " MB")},");
        sb.AppendLine($"   two glibc arenas {N(arenas?.PssPerProcessMb, " MB")}, W^X off {N(wx?.PssPerProcessMb, " MB")}).");
        sb.AppendLine("   Below that floor only NativeAOT goes (item 9): no JIT, no double-mapped code, no tiered code.");
        if (afterEnv is not null)
        {
            sb.AppendLine();
            sb.AppendLine($"All recommended settings together (as built + env, framework-dependent): cold first page {N(afterEnv.ColdFirstPageMs, " ms")}, CPU {N(afterEnv.ColdCpuMs, " ms")}, PSS/process {N(afterEnv.PssPerProcessMb, " MB")};");
            sb.AppendLine($"with ReadyToRun: cold first page {N(r2rAll?.ColdFirstPageMs, " ms")}, CPU {N(r2rAll?.ColdCpuMs, " ms")}, PSS/process {N(r2rAll?.PssPerProcessMb, " MB")} (before: {N(before?.ColdFirstPageMs, " ms")}, {N(before?.ColdCpuMs, " ms")}, {N(before?.PssPerProcessMb, " MB")}).");
        }
        var aotPss = r.SideBySide.FirstOrDefault(x => x.Measure.StartsWith("marginal PSS", StringComparison.Ordinal));
        var aotCpu = r.SideBySide.FirstOrDefault(x => x.Measure.StartsWith("CPU to first page", StringComparison.Ordinal));
        var knob = r.AotKnobs.ToDictionary(k => k.Variant);
        sb.AppendLine();
        sb.AppendLine("9. **NativeAOT userpod (done: the image and `make run-aot`; `make run` stays JIT).** `HTag`, `HTag.Server` and the Demo are");
        sb.AppendLine("   `IsAotCompatible` with no trim/AOT warning; `make userpod-aot` publishes one native executable (no .NET runtime in the image,");
        sb.AppendLine("   FROM runtime-deps). A publish takes 1–2.5 min of wall time on this shared 2-core machine (~40 s of CPU), so `make run` keeps the JIT Demo,");
        sb.AppendLine($"   which starts at once after a build. This run: marginal PSS per user {N(aotPss?.Jit, " MB")} (JIT) → {N(aotPss?.Aot, " MB")} (AOT), CPU to first page");
        sb.AppendLine($"   {N(aotCpu?.Jit, " ms")} → {N(aotCpu?.Aot, " ms")} (table \"NativeAOT userpod beside the JIT one\"). Runtime knobs re-measured under AOT (table below it):");
        string K(string v, Func<KnobRow, double> f, string unit) => knob.TryGetValue(v, out var k) ? N(f(k), unit) : "—";
        sb.AppendLine($"   workstation + non-concurrent GC stay baked in (concurrent GC on: listening {K("concurrent GC on", k => k.ListeningMs, " ms")} vs {K("AOT as built", k => k.ListeningMs, " ms")}, its extra");
        sb.AppendLine($"   thread for nothing); gen0 budget 4 MB kept in the image as `400000` (PSS after clicks {K("gen0 budget 4 MB", k => k.PssAfterClicksMb, " MB")} vs {K("AOT as built", k => k.PssAfterClicksMb, " MB")}; written");
        sb.AppendLine($"   `0x400000`, the prefixed spelling, NativeAOT ignores: {K("gen0 budget 0x400000", k => k.PssAfterClicksMb, " MB")});");
        sb.AppendLine($"   conserve memory not set (PSS after clicks {K("conserve memory 5", k => k.PssAfterClicksMb, " MB")}); server GC stays off (on: {K("server GC on", k => k.PssAfterClicksMb, " MB")}).");
        sb.AppendLine($"   The warm-up (`HTAG_WARMUP`) still pays for warm-pool userpods but much less: the first page after listening {K("AOT as built", k => k.PageAfterListeningMs, " ms")} → {K("warm-up", k => k.PageAfterListeningMs, " ms")},");
        sb.AppendLine($"   for {K("warm-up", k => k.ListeningMs, " ms")} to listening instead of {K("AOT as built", k => k.ListeningMs, " ms")} and {K("warm-up", k => k.PssAfterClicksMb, " MB")} instead of {K("AOT as built", k => k.PssAfterClicksMb, " MB")} after clicks (the warm-up's own garbage and session); kept,");
        sb.AppendLine("   because a claimed warm userpod is already listening, so its cost is paid before any user waits.");
        return sb.ToString();
    }

    static bool Has(string root, string file, string text)
    {
        try { return File.ReadAllText(Path.Combine(root, file)).Contains(text, StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }

    static string Read(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (IOException) { return "?"; }
    }
}
