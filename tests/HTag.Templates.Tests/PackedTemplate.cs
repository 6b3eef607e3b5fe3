using System.Xml.Linq;

namespace HTag.Templates.Tests;

/// <summary>
/// What a newcomer has after the first three documented commands, done once for the test class: <c>make packages</c>
/// (into a feed folder of the test's own), <c>dotnet new install …/HTag.Templates.&lt;version&gt;.nupkg</c> into a fresh
/// <c>DOTNET_CLI_HOME</c>, and <c>dotnet new htag -o …/PackagedApps --local-feed &lt;feed&gt;</c> outside this repository
/// (none of its Directory.Build.props or central package versions apply there).
/// </summary>
public sealed class PackedTemplate : IAsyncLifetime
{
    /// <summary>The test classes sharing one pack, install and new project (they run one after the other).</summary>
    public const string Collection = "packed template";

    /// <summary>The new project's name: it replaces "MyApps" in the template's files, page titles included.</summary>
    public const string Name = "PackagedApps";

#if DEBUG
    public const string Config = "Debug";
#else
    public const string Config = "Release";
#endif

    public string RepoRoot { get; } = FindRepoRoot();
    public string Work { get; } = Directory.CreateTempSubdirectory("htag-template-").FullName;
    public string Feed => Path.Combine(Work, "packages");
    public string ProjectDir => Path.Combine(Work, "src", Name);
    public Cli Cli { get; }

    /// <summary>The one version of everything shipped: VersionPrefix in the repository's Directory.Build.props.</summary>
    public string Version { get; }

    public PackedTemplate()
    {
        Cli = new Cli(Path.Combine(Work, "cli-home"), Path.Combine(Work, "nuget-packages"));
        Version = XDocument.Load(Path.Combine(RepoRoot, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
    }

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await TemplateProject.CreateAsync(Cli, RepoRoot, Config, Version, Feed, ProjectDir, cts.Token);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Work, recursive: true);
        return Task.CompletedTask;
    }

    static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HTagKube.sln"))) return d.FullName;
        throw new InvalidOperationException("HTagKube.sln not found above the test binaries");
    }
}

[CollectionDefinition(PackedTemplate.Collection)]
public sealed class PackedTemplateCollection : ICollectionFixture<PackedTemplate>;
