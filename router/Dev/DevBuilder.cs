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
public sealed class DevBuilder(DevMode dev)
{
    int _number;

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
        foreach (var a in new[] { "build", dev.Project, "-c", "Debug", "-o", output, "-nologo", "-v:q", "-clp:NoSummary" })
            psi.ArgumentList.Add(a);
        if (!restore) psi.ArgumentList.Add("--no-restore");
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
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

    internal static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { } // still in use: the router's stop deletes the whole work folder
        catch (UnauthorizedAccessException) { }
    }
}
