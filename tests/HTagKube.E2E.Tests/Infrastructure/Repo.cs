using System.Reflection;

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>Where the repository and the built programs are, for tests that run them as processes.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration these tests were built with (the programs under test share it).</summary>
    public static string Configuration { get; } =
        typeof(Repo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string RouterDll => Path.Combine(Root, "router", "bin", Configuration, "net10.0", "HTagKube.Router.dll");

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HTagKube.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("HTagKube.sln not found above " + AppContext.BaseDirectory);
    }
}
