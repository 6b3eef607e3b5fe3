using System.Globalization;
using System.Runtime.InteropServices;

namespace HTagKube.Testing;

/// <summary>Reads /proc to see which processes a program (a router) spawned and what they listen on (Linux only).</summary>
public static class ProcessTree
{
    public static IReadOnlyList<int> Children(int parentPid)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // /proc/pid/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (rest[0] != "Z" && int.Parse(rest[1], CultureInfo.InvariantCulture) == parentPid) result.Add(pid);
            }
            catch (IOException) { } // the process ended while we looked
            catch (UnauthorizedAccessException) { }
        }
        return result;
    }

    /// <summary>Children, grandchildren and so on.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var result = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var p))
        {
            foreach (var c in Children(p)) { result.Add(c); frontier.Enqueue(c); }
        }
        return result;
    }

    /// <summary>Direct children whose command line contains <paramref name="marker"/>.</summary>
    public static IReadOnlyList<int> ChildrenRunning(int parentPid, string marker) =>
        Children(parentPid).Where(p => CommandLine(p).Contains(marker, StringComparison.Ordinal)).ToList();

    /// <summary>
    /// Live processes whose environment has <paramref name="name"/>=<paramref name="value"/> (inherited from the process
    /// that set it: how a test finds every userpod its routers started, whoever their parent is now) and whose command
    /// line contains <paramref name="commandLineMarker"/>.
    /// </summary>
    public static int[] WithEnvironment(string name, string value, string commandLineMarker)
    {
        var needle = System.Text.Encoding.ASCII.GetBytes($"{name}={value}\0");
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(needle) >= 0
                    && CommandLine(pid).Contains(commandLineMarker, StringComparison.Ordinal)
                    && IsAlive(pid))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // gone meanwhile, or not ours
        }
        return [.. found];
    }

    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
    }

    /// <summary>True while the pid runs (zombies count as gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X');
        }
        catch (IOException) { return false; }
    }

    /// <summary>TCP ports the process listens on, found by matching its socket inodes in /proc/net/tcp{,6}.</summary>
    public static IReadOnlyList<int> ListeningPorts(int pid)
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
        }
        var ports = new List<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9])) // 0A = LISTEN
                    ports.Add(int.Parse(f[1][(f[1].IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }
        return ports;
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    /// <summary>SIGTERM: lets the process shut down gracefully (Process.Kill is SIGKILL).</summary>
    public static void Terminate(int pid) => kill(pid, 15);
}
