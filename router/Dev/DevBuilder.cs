using System.Diagnostics;
using System.Text;

namespace HTagKube.Router.Dev;

/// <summary>The result of one build: its output folder when it succeeded, else the compiler's errors.</summary>
public sealed record DevBuild(int Number, string? Output, string Errors)
{
    /// <summary>Whether the build succeeded.</summary>
    public bool Succeeded => Output is not null;
}

/// <summary>
/// Builds the project into a fresh folder per build (<c>{Work}/b{N}</c>): the files of running userpods are never
/// overwritten, and a failed build leaves the last good one serving.
/// </summary>
/// <remarks>
/// Speed: the builds keep an MSBuild server and a compiler server warm (<c>DOTNET_CLI_USE_MSBUILD_SERVER</c>,
/// <c>UseSharedCompilation</c>), whatever the environment says (CI machines switch both off): a cold build of a small
/// project spends seconds starting MSBuild and JIT-compiling the compiler, a warm one only compiles
/// (docs/benchmarks.md, dev loop). The servers are this router's own, never shared with other builds of the machine: a
/// handshake salt and a compiler pipe name of its own (<see cref="Id"/>); <see cref="EndServers"/> ends them at the stop.
/// </remarks>
public sealed class DevBuilder(DevMode dev)
{
    /// <summary>Marks the environment of every process this router's builds start, build servers included.</summary>
    public const string OwnerVariable = "HTAGKUBE_DEV_BUILDS";

    int _number;

    /// <summary>This router's build servers' name: its process id and a random part.</summary>
    public string Id { get; } = $"{Environment.ProcessId}-{Guid.NewGuid():n}"[..24];

    /// <summary>Runs <c>dotnet build</c>; the errors are its <c>error</c> lines (each once), or its whole output.</summary>
    /// <param name="restore">Restore first (the first build, or a project file changed); else skipped, for speed.</param>
    /// <param name="ct">Cancels the build (the router stops).</param>
    public async Task<DevBuild> BuildAsync(bool restore, CancellationToken ct)
    {
        var n = ++_number;
        var output = Path.Combine(dev.Work, "b" + n);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = dev.ProjectDir,
        };
        foreach (var a in new[]
                 {
                     "build", dev.Project, "-c", "Debug", "-o", output, "-nologo", "-v:q", "-clp:NoSummary",
                     "-p:UseSharedCompilation=true", "-p:SharedCompilationId=htagdev-" + Id,
                 })
            psi.ArgumentList.Add(a);
        if (!restore) psi.ArgumentList.Add("--no-restore");
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "1";
        psi.Environment.Remove("MSBUILDDISABLENODEREUSE");
        psi.Environment["MSBUILDNODEHANDSHAKESALT"] = "htagdev-" + Id; // a server of our own, not another build's
        psi.Environment[OwnerVariable] = Id;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try { await p.WaitForExitAsync(ct); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw; }
        var text = await stdout + await stderr;
        if (p.ExitCode == 0) return new DevBuild(n, output, "");
        TryDelete(output);
        var errors = new StringBuilder();
        var lines = text.Split('\n').Select(l => l.TrimEnd());
        foreach (var line in lines.Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct()) errors.AppendLine(line);
        return new DevBuild(n, null, errors.Length > 0 ? errors.ToString() : text.Trim());
    }

    /// <summary>Ends the build servers this router's builds started (found by <see cref="OwnerVariable"/> in their
    /// environment; Linux's /proc, elsewhere they end by their own idle timeouts). Returns how many were ended.</summary>
    public int EndServers()
    {
        if (!Directory.Exists("/proc")) return 0;
        var mark = Encoding.UTF8.GetBytes(OwnerVariable + "=" + Id + "\0");
        var ended = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(mark) < 0) continue;
                using var p = Process.GetProcessById(pid);
                p.Kill();
                ended++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                                          or System.ComponentModel.Win32Exception) { } // gone meanwhile, or not ours to read
        }
        return ended;
    }

    internal static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { } // still in use: the router's stop deletes the whole work folder
        catch (UnauthorizedAccessException) { }
    }
}
