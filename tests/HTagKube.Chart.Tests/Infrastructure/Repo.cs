namespace HTagKube.Chart.Tests.Infrastructure;

/// <summary>Where the repository, the chart and the top-level CRDs are.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();
    public static string Chart => Path.Combine(Root, "charts");
    public static string Crds => Path.Combine(Root, "crds");

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HTagKube.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("HTagKube.sln not found above " + AppContext.BaseDirectory);
    }
}
