using System.Diagnostics;

namespace HTagKube.Testing;

/// <summary>
/// The commands an app author types (make, dotnet new, dotnet build…), run in an isolated environment: a template home
/// (<c>DOTNET_CLI_HOME</c>) and a NuGet package folder (<c>NUGET_PACKAGES</c>) of the test's own, so neither what the
/// machine's user installed or cached nor a package left from an earlier pack of the same version can stand in.
/// </summary>
public sealed class Cli(string cliHome, string nugetPackages)
{
    public string CliHome { get; } = cliHome;
    public string NuGetPackages { get; } = nugetPackages;

    /// <summary>The environment a command runs with (also for programs the test starts).</summary>
    public void Apply(ProcessStartInfo psi)
    {
        psi.Environment["DOTNET_CLI_HOME"] = CliHome;
        psi.Environment["NUGET_PACKAGES"] = NuGetPackages;
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Under `make test` the outer make's settings (its jobserver among them) must not reach the make we run.
        foreach (var v in new[] { "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES" }) psi.Environment.Remove(v);
    }

    /// <summary>Runs a command to its end; its exit code and everything it printed (stdout then stderr).</summary>
    public async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, string workingDirectory, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Apply(psi);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException(file + " did not start");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try { await p.WaitForExitAsync(ct); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw; }
        return (p.ExitCode, $"$ {file} {string.Join(' ', args)}\n{await stdout}{await stderr}");
    }

    /// <summary>Like <see cref="RunAsync"/>, failing the test with the output when the command fails.</summary>
    public async Task<string> MustRunAsync(string file, IEnumerable<string> args, string workingDirectory, CancellationToken ct)
    {
        var (code, output) = await RunAsync(file, args, workingDirectory, ct);
        if (code != 0) throw new Xunit.Sdk.XunitException($"exit code {code}:\n{output}");
        return output;
    }
}
