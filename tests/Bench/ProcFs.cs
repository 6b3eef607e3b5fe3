using System.Globalization;

namespace HTagKube.Bench;

/// <summary>Linux /proc readings: process memory (smaps_rollup, smaps) and children.</summary>
static class ProcFs
{
    /// <summary>Memory of one process in kB, from /proc/pid/smaps_rollup.</summary>
    public sealed record Mem(long RssKb, long PssKb, long PssAnonKb, long PssFileKb, long PssShmemKb, long PrivateKb);

    public static Mem? Rollup(int pid)
    {
        try
        {
            long rss = 0, pss = 0, anon = 0, file = 0, shmem = 0, priv = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            {
                if (Field(line, "Rss:") is { } a) rss = a;
                else if (Field(line, "Pss:") is { } b) pss = b;
                else if (Field(line, "Pss_Anon:") is { } c) anon = c;
                else if (Field(line, "Pss_File:") is { } d) file = d;
                else if (Field(line, "Pss_Shmem:") is { } g) shmem = g;
                else if (Field(line, "Private_Clean:") is { } e) priv += e;
                else if (Field(line, "Private_Dirty:") is { } f) priv += f;
            }
            return new Mem(rss, pss, anon, file, shmem, priv);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static long? Field(string line, string name) =>
        line.StartsWith(name, StringComparison.Ordinal)
            ? long.Parse(line.AsSpan(name.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture)
            : null;

    /// <summary>PSS (kB) per mapping category from /proc/pid/smaps: where a process's memory goes.</summary>
    public static Dictionary<string, long> PssByCategory(int pid)
    {
        var result = new Dictionary<string, long>();
        string category = "other";
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
            {
                if (IsHeader(line))
                    category = Categorize(line);
                else if (Field(line, "Pss:") is { } pss && pss > 0)
                    result[category] = result.GetValueOrDefault(category) + pss;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return result;
    }

    static bool IsHeader(string line)
    {
        // Mapping headers start "start-end perms ..."; field lines start "Name:".
        var sp = line.IndexOf(' ');
        return sp > 0 && line.AsSpan(0, sp).Contains('-') && line[sp - 1] != ':';
    }

    static string Categorize(string header)
    {
        // "addr perms offset dev inode path"
        var parts = header.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        var path = parts.Length >= 6 ? parts[5].Trim() : "";
        var perms = parts.Length > 1 ? parts[1] : "";
        if (path.EndsWith(".dll", StringComparison.Ordinal)) return "managed assemblies (.dll maps)";
        if (path.Contains("libcoreclr", StringComparison.Ordinal) || path.Contains("libclrjit", StringComparison.Ordinal)) return "runtime native (coreclr, clrjit)";
        if (path.EndsWith(".so", StringComparison.Ordinal) || path.Contains(".so.", StringComparison.Ordinal)) return "other native libraries";
        if (path.Length > 0 && path[0] == '/') return "other files (" + Path.GetFileName(path) + ")";
        if (path == "[stack]") return "stacks";
        if (perms.Contains('x')) return "anonymous executable (JIT code, stubs)";
        return "anonymous data (GC heap, runtime data, thread stacks)";
    }

    /// <summary>CPU time (ms) the process's live threads have run, from /proc/pid/task/*/schedstat (ns resolution).</summary>
    public static double CpuMs(int pid)
    {
        long ns = 0;
        try
        {
            foreach (var t in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try { ns += long.Parse(File.ReadAllText(Path.Combine(t, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture); }
                catch (Exception e) when (e is IOException or FormatException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return ns / 1e6;
    }

    /// <summary>
    /// CPU time (ms) of the whole process, exited threads included (utime + stime from /proc/pid/stat, clock ticks of 10 ms):
    /// coarse, but unlike <see cref="CpuMs"/> it does not lose the time of a thread that ended within the window.
    /// </summary>
    public static double ProcessCpuMs(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state): utime and stime are fields 14 and 15.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 1000.0 / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return double.NaN; }
    }

    /// <summary>USER_HZ: 100 on Linux for every architecture .NET runs on.</summary>
    const int TicksPerSecond = 100;

    /// <summary>True once the process has a listening TCP socket (its inode appears in /proc/net/tcp with state 0A).</summary>
    public static bool IsListening(int pid)
    {
        try
        {
            var inodes = new HashSet<string>();
            foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
            }
            foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9])) return true;
                }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return false;
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>True when a process's /proc/PID/cgroup puts it in a container of the node's docker (cgroup /docker/&lt;id&gt;,
    /// or kubepods with a systemd driver): a pod's process, on the test cluster's node.</summary>
    public static bool InNodeContainer(string cgroup) =>
        cgroup.Contains("kubepods", StringComparison.Ordinal) || cgroup.Contains("/docker/", StringComparison.Ordinal);

    /// <summary>Direct children of <paramref name="pid"/> (by ppid in /proc/*/stat).</summary>
    public static List<int> Children(int pid)
    {
        var list = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, out var child)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == pid) list.Add(child);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException) { }
        }
        return list;
    }
}
