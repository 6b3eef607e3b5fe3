namespace HTagKube.Soak;

/// <summary>
/// A process's resident memory by kind (/proc/PID/status): anonymous (GC heap, native allocations, stacks), file
/// (pages of mapped assemblies and native libraries, touched as code runs) and shmem (the runtime's double-mapped
/// executable memory: JIT-compiled code and stubs). Tells which of them an RSS growth is.
/// </summary>
sealed record RssParts(long AnonKb, long FileKb, long ShmemKb)
{
    /// <summary>The reports' explanation of the three columns.</summary>
    public const string Legend = "RSS by kind (/proc/PID/status): anon holds the GC heap, native allocations and thread stacks; file is pages of "
        + "mapped assemblies and libraries, touched as more code paths run; shmem is the runtime's double-mapped executable memory "
        + "(JIT-compiled code, which tiered compilation keeps adding as methods get hot).";

    public static RssParts? Read(int pid)
    {
        try
        {
            long Kb(string[] lines, string key) =>
                lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal)) is { } l ? long.Parse(l[key.Length..].Trim().Split(' ')[0]) : 0;
            var status = File.ReadAllLines($"/proc/{pid}/status");
            return new(Kb(status, "RssAnon:"), Kb(status, "RssFile:"), Kb(status, "RssShmem:"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
