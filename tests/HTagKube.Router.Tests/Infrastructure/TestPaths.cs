namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>Programs the build puts next to the tests.</summary>
public static class TestPaths
{
    /// <summary>The test userpod (tests/HTagKube.Router.Tests/TestUserpod), copied to testuserpod/.</summary>
    public static string TestUserpodDll => Path.Combine(AppContext.BaseDirectory, "testuserpod", "HTagKube.Router.TestUserpod.dll");

    /// <summary><c>--userpod-command</c> value for the test userpod.</summary>
    public static string TestUserpodCommand => $"dotnet \"{TestUserpodDll}\"";

    /// <summary>The real Demo userpod, copied to userpod/ (the router's default).</summary>
    public static string DemoDll => Path.Combine(AppContext.BaseDirectory, "userpod", "HTagKube.Demo.dll");

    /// <summary>The router program, for tests that need it as a separate process.</summary>
    public static string RouterDll => Path.Combine(AppContext.BaseDirectory, "HTagKube.Router.dll");
}
