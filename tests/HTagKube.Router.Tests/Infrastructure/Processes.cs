namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>Process facts read from /proc.</summary>
public static class Processes
{
    /// <summary>True while the pid runs (zombies count as gone).</summary>
    public static bool IsAlive(int pid) => ProcessTree.IsAlive(pid);

    /// <summary>Live processes whose command line contains <paramref name="needle"/>.</summary>
    public static IReadOnlyList<int> WithCommandLine(string needle)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmd.Contains(needle, StringComparison.Ordinal) && IsAlive(pid)) found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }
}
