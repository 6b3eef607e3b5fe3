using System.Diagnostics;
using System.Xml.Linq;
using HTagKube.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace HTagKube.E2E.Tests;

/// <summary>
/// <c>make dev</c> as an app author uses it: a project from the template (packed, installed, <c>dotnet new htag</c>), the
/// router with <c>--dev</c> on it, an open page; a save shows on the page without touching the browser, a syntax error
/// shows in the page's overlay while the previous build keeps serving, and fixing it brings the app back.
/// </summary>
public sealed class DevLoopTests(ITestOutputHelper output) : IAsyncLifetime
{
    const string Name = "DevApps";

    /// <summary>router/Dev/DevBuilder.OwnerVariable: the mark in the environment of what the router's builds start.</summary>
    const string OwnerVariable = "HTAGKUBE_DEV_BUILDS";
    readonly string _work = Directory.CreateTempSubdirectory("htag-dev-").FullName;
    Cli _cli = null!;
    string ProjectDir => Path.Combine(_work, "src", Name);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _cli = new Cli(Path.Combine(_work, "cli-home"), Path.Combine(_work, "nuget-packages"));
        var version = XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var feed = Path.Combine(_work, "packages");
        await TemplateProject.CreateAsync(_cli, Repo.Root, Repo.Configuration, version, feed, ProjectDir, cts.Token);
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_save_reloads_the_open_page_and_a_build_error_shows_in_it_until_fixed()
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_CLI_HOME"] = _cli.CliHome, ["NUGET_PACKAGES"] = _cli.NuGetPackages, ["DOTNET_NOLOGO"] = "1",
        };
        var router = await RouterProcess.StartAsync(["--dev", ProjectDir], env: env);
        var owner = $"{OwnerVariable}={router.Pid}-";
        await using (router)
        {
            await SaveReloadAndFixAsync(router);
            Assert.NotEmpty(BuildServersOf(owner)); // the builds left warm servers (MSBuild's, the compiler's) for the next save
        }
        output.WriteLine(string.Join('\n', router.Output.Split('\n').Where(l => l.Contains("dev: ", StringComparison.Ordinal))));
        // The warm build servers were the router's own and ended with it (found by the mark the router puts in their environment).
        await Eventually.True(() => BuildServersOf(owner).Count == 0, TimeSpan.FromSeconds(10),
            "the router's build servers to end: " + string.Join(", ", BuildServersOf(owner)));
    }

    /// <summary>The processes whose environment carries <paramref name="owner"/> (a prefix of the router's mark).</summary>
    static List<int> BuildServersOf(string owner)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var env = File.ReadAllText(Path.Combine(dir, "environ"));
                if (env.Split('\0').Any(v => v.StartsWith(owner, StringComparison.Ordinal)))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // gone meanwhile
        }
        return found;
    }

    static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    async Task SaveReloadAndFixAsync(RouterProcess router)
    {
        var browser = await DebianChromium.SharedAsync();
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.OpenAsync(new Uri(router.BaseAddress, "/hello").ToString());
        var h1 = page.Locator("h1");
        await Assertions.Expect(h1).ToHaveTextAsync("Hello world");
        // The page listens to the dev channel before anything is saved.
        await Eventually.True(async () => await page.EvaluateAsync<bool>("document.cookie.includes('htagdev=1')"),
            TimeSpan.FromSeconds(10), "the dev cookie");

        var source = Path.Combine(ProjectDir, "Hello.cs");
        var code = await File.ReadAllTextAsync(source);
        const string Old = "var greeting = new Tag.H1(\"Hello \" + name);";
        Assert.Contains(Old, code);

        // Five saves, each timed from the write to the page showing it (the median is docs/benchmarks.md's figure). The
        // allowance: 13.9 s median and 15.6 s at most at load average 47-55 on 2 cores with the build servers warm, so 60 s.
        var times = new List<long>();
        var loads = new List<string>();
        const int Saves = 5;
        for (var i = 1; i <= Saves; i++)
        {
            var greeting = $"Howdy{i} ";
            var saved = Stopwatch.StartNew();
            await File.WriteAllTextAsync(source, code.Replace(Old, Old.Replace("Hello ", greeting)));
            await Assertions.Expect(h1).ToHaveTextAsync(greeting + "world", new() { Timeout = 60_000 });
            times.Add(saved.ElapsedMilliseconds);
            loads.Add(LoadAverage());
        }
        output.WriteLine($"save-to-page ms: {string.Join(", ", times)}; median {times.Order().ElementAt(2)} ms; "
                         + $"load average (1 min) at each: {string.Join(", ", loads)}");

        // A syntax error: the overlay shows the compiler's error; the page still shows the last good build.
        await File.WriteAllTextAsync(source, code.Replace(Old, Old.Replace("Hello ", "Broken ").TrimEnd(';')));
        var overlay = page.Locator("#htag-error-overlay");
        await Assertions.Expect(overlay).ToContainTextAsync("CS1002", new() { Timeout = 60_000 });
        await Assertions.Expect(h1).ToHaveTextAsync($"Howdy{Saves} world");

        var fixedAt = Stopwatch.StartNew();
        await File.WriteAllTextAsync(source, code.Replace(Old, Old.Replace("Hello ", "Hi ")));
        await Assertions.Expect(h1).ToHaveTextAsync("Hi world", new() { Timeout = 60_000 });
        await Assertions.Expect(overlay).ToHaveCountAsync(0);
        output.WriteLine($"fix-to-page: {fixedAt.ElapsedMilliseconds} ms");
    }
}
