using System;
using System.Globalization;
using System.IO;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

/// <summary>
/// Startup hook (DOTNET_STARTUP_HOOKS): notes when the runtime reached managed code, then on each SIGUSR1 appends one
/// JSON line to $HTAG_PROBE_OUT with JIT, assembly and GC figures. Hand-written JSON: System.Text.Json would load
/// assemblies the userpod itself may not, skewing the very count we report.
/// </summary>
static class StartupHook
{
    static long _hookUnixMs;
    // Held only to stay reachable: a collected registration unregisters its handler.
#pragma warning disable IDE0052 // never read, on purpose (see above)
    static PosixSignalRegistration? _registration;
#pragma warning restore IDE0052

    public static void Initialize()
    {
        _hookUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var path = Environment.GetEnvironmentVariable("HTAG_PROBE_OUT");
        if (string.IsNullOrEmpty(path)) return;
        // SIGUSR1 = 10 on Linux; raw signal numbers are accepted by PosixSignalRegistration.
        _registration = PosixSignalRegistration.Create((PosixSignal)10, ctx =>
        {
            ctx.Cancel = true;
            try { File.AppendAllText(path, Snapshot() + "\n"); }
            catch (IOException) { }
        });
    }

    static string Snapshot()
    {
        var gc = GC.GetGCMemoryInfo();
        var asms = AppDomain.CurrentDomain.GetAssemblies();
        var names = new StringBuilder();
        foreach (var a in asms)
        {
            if (names.Length > 0) names.Append(',');
            names.Append('"').Append(a.GetName().Name).Append('"');
        }
        string threads = "0";
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = line.Substring(8).Trim();
        var ci = CultureInfo.InvariantCulture;
        return "{" +
            "\"hookUnixMs\":" + _hookUnixMs.ToString(ci) +
            ",\"nowUnixMs\":" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(ci) +
            ",\"jitMethods\":" + System.Runtime.JitInfo.GetCompiledMethodCount(false).ToString(ci) +
            ",\"jitIlBytes\":" + System.Runtime.JitInfo.GetCompiledILBytes(false).ToString(ci) +
            ",\"jitMs\":" + System.Runtime.JitInfo.GetCompilationTime(false).TotalMilliseconds.ToString("0.0", ci) +
            ",\"assemblies\":" + asms.Length.ToString(ci) +
            ",\"gcHeapBytes\":" + gc.HeapSizeBytes.ToString(ci) +
            ",\"gcCommittedBytes\":" + gc.TotalCommittedBytes.ToString(ci) +
            ",\"gcTotalMemory\":" + GC.GetTotalMemory(false).ToString(ci) +
            ",\"allocatedBytes\":" + GC.GetTotalAllocatedBytes(false).ToString(ci) +
            ",\"gcCollections\":[" + GC.CollectionCount(0).ToString(ci) + "," + GC.CollectionCount(1).ToString(ci) + "," + GC.CollectionCount(2).ToString(ci) + "]" +
            ",\"serverGc\":" + (GCSettings.IsServerGC ? "true" : "false") +
            ",\"latencyMode\":\"" + GCSettings.LatencyMode + "\"" +
            ",\"threads\":" + threads +
            ",\"assemblyNames\":[" + names + "]" +
            "}";
    }
}
