namespace HTagKube.Testing;

/// <summary>
/// A newcomer's first three documented commands: <c>make packages</c> into a local feed, <c>dotnet new install</c>
/// of the template pack into the <see cref="Cli"/>'s own <c>DOTNET_CLI_HOME</c>, <c>dotnet new htag -o … --local-feed</c>.
/// </summary>
public static class TemplateProject
{
    /// <summary>Packs (as built: the calling test project builds the packed projects first), installs, creates.</summary>
    /// <param name="cli">The isolated environment the commands run in.</param>
    /// <param name="repoRoot">This repository's root.</param>
    /// <param name="config">The configuration the packed projects were built with.</param>
    /// <param name="version">The packages' version.</param>
    /// <param name="feed">The folder the packages go to.</param>
    /// <param name="projectDir">The new project's folder (its name is the project's).</param>
    /// <param name="ct">Cancels the commands.</param>
    public static async Task CreateAsync(Cli cli, string repoRoot, string config, string version, string feed, string projectDir,
        CancellationToken ct)
    {
        Directory.CreateDirectory(cli.CliHome);
        var work = Path.GetDirectoryName(projectDir)!;
        Directory.CreateDirectory(work);
        // Packed as built: a second build could rewrite assemblies other test processes are running.
        string[] make = ["-s", "-C", repoRoot, "packages", "PACKAGES=" + feed, "CONFIG=" + config, "PACK_ARGS=--no-build"];
        await cli.MustRunAsync("make", make, repoRoot, ct);
        await cli.MustRunAsync("dotnet", ["new", "install", Path.Combine(feed, $"HTag.Templates.{version}.nupkg")], work, ct);
        await cli.MustRunAsync("dotnet", ["new", "htag", "-o", projectDir, "--local-feed", feed], work, ct);
    }
}
