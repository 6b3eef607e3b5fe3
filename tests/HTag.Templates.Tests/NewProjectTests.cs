using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace HTag.Templates.Tests;

/// <summary>
/// The project <c>dotnet new htag</c> made, used as its README says: built (HTag.Server restored from the local feed),
/// served by <c>dotnet run</c>, published with NativeAOT and served by the native executable.
/// </summary>
[Collection(PackedTemplate.Collection)]
public sealed partial class NewProjectTests(PackedTemplate packed, ITestOutputHelper output)
{
    const string Name = PackedTemplate.Name;

    [Fact]
    public void The_project_references_the_HTag_Server_package_of_the_pack_and_its_nuget_config_the_local_feed()
    {
        var csproj = File.ReadAllText(Path.Combine(packed.ProjectDir, Name + ".csproj"));
        Assert.Contains($"<PackageReference Include=\"HTag.Server\" Version=\"{packed.Version}\" />", csproj);
        Assert.DoesNotContain("ProjectReference", csproj);
        var config = File.ReadAllText(Path.Combine(packed.ProjectDir, "nuget.config"));
        Assert.Contains($"value=\"{packed.Feed}\"", config);
        Assert.Contains("ENTRYPOINT [\"/app/" + Name + "\"]", File.ReadAllText(Path.Combine(packed.ProjectDir, "Dockerfile")));
        Assert.Contains("ARG BASE=mcr.microsoft.com/dotnet/runtime-deps:10.0", File.ReadAllText(Path.Combine(packed.ProjectDir, "Dockerfile")));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(packed.ProjectDir, "README.md")).Length);
        Assert.True(File.Exists(Path.Combine(packed.ProjectDir, "wwwroot", "app.css")));
    }

    [Fact]
    public async Task Without_a_local_feed_no_nuget_config_is_written()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var dir = Path.Combine(packed.Work, "src", "NoFeed");
        await packed.Cli.MustRunAsync("dotnet", ["new", "htag", "-o", dir], packed.Work, cts.Token);
        Assert.False(File.Exists(Path.Combine(dir, "nuget.config")));
        Assert.Contains($"Include=\"HTag.Server\" Version=\"{packed.Version}\"", File.ReadAllText(Path.Combine(dir, "NoFeed.csproj")));
    }

    [Fact]
    public async Task It_builds_from_the_packages_without_warnings_and_dotnet_run_serves_its_apps()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = cts.Token;
        var build = await packed.Cli.MustRunAsync("dotnet", ["build", "-c", "Release", "-nologo"], packed.ProjectDir, ct);
        output.WriteLine(build);
        Assert.Matches(@"\b0 Warning\(s\)", build);
        // HTag.Server and HTag came from the local feed (NuGet records each package's source), not from any other cache.
        foreach (var id in new[] { "htag.server", "htag" })
        {
            var metadata = Path.Combine(packed.Cli.NuGetPackages, id, packed.Version, ".nupkg.metadata");
            using var json = JsonDocument.Parse(File.ReadAllText(metadata));
            Assert.Equal(packed.Feed, json.RootElement.GetProperty("source").GetString()!.TrimEnd('/'));
        }

        // `dotnet run` starts the program as its child: the lifeline (stdin) ends that child when `dotnet run` is killed,
        // and the marker in its environment finds it to prove it.
        var marker = Guid.NewGuid().ToString("N");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = packed.ProjectDir, RedirectStandardInput = true };
        foreach (var a in new[] { "run", "--no-build", "-c", "Release", "--", "--urls", "http://127.0.0.1:0" }) psi.ArgumentList.Add(a);
        packed.Cli.Apply(psi);
        psi.Environment["HTAG_LIFELINE"] = "stdin";
        psi.Environment["HTAG_TEMPLATE_TEST"] = marker;
        await using (var run = await AnnouncingProcess.StartAsync(psi, ListeningRx(), TimeSpan.FromMinutes(2), ct))
        {
            await GetPagesAsync(new Uri(run.Announcement.Groups[1].Value), ct);
            Assert.NotEmpty(ProcessTree.WithEnvironment("HTAG_TEMPLATE_TEST", marker, Name));
        }
        await Eventually.True(() => ProcessTree.WithEnvironment("HTAG_TEMPLATE_TEST", marker, Name).Length == 0,
            TimeSpan.FromSeconds(30), "the program `dotnet run` started ends with it");
    }

    [Fact]
    public async Task It_publishes_with_NativeAOT_without_warnings_and_the_native_executable_serves_its_apps()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        var outDir = Path.Combine(packed.Work, "out");
        var watch = Stopwatch.StartNew();
        var (code, log) = await packed.Cli.RunAsync("dotnet",
            ["publish", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", outDir, "-nologo"], packed.ProjectDir, ct);
        var warnings = WarningRx().Matches(log).Count;
        output.WriteLine($"NativeAOT publish: {watch.Elapsed.TotalSeconds:0} s, exit code {code}, {warnings} warning(s)\n{log}");
        Assert.True(code == 0, "dotnet publish -p:PublishAot=true failed (clang and zlib1g-dev installed?):\n" + log);
        Assert.Equal(0, warnings);
        Assert.DoesNotContain("warning", log, StringComparison.OrdinalIgnoreCase);

        var exe = Path.Combine(outDir, Name);
        Assert.Equal("\x7f" + "ELF", Encoding.ASCII.GetString(File.ReadAllBytes(exe).AsSpan(0, 4)));
        Assert.Empty(Directory.GetFiles(outDir, "*.dll")); // native: no managed assemblies, no .NET runtime needed
        Assert.Empty(Directory.GetFiles(outDir, "*.dbg")); // nor debug symbols in what the image copies

        var psi = new ProcessStartInfo(exe) { WorkingDirectory = packed.Work }; // the web root is found beside the executable
        foreach (var a in new[] { "--urls", "http://127.0.0.1:0" }) psi.ArgumentList.Add(a);
        await using var program = await AnnouncingProcess.StartAsync(psi, ListeningRx(), TimeSpan.FromMinutes(1), ct);
        await GetPagesAsync(new Uri(program.Announcement.Groups[1].Value), ct);
    }

    /// <summary>Both apps' first pages, their style sheet from wwwroot, and htag.js (with idiomorph) from the package.</summary>
    async Task GetPagesAsync(Uri baseAddress, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var counter = await http.GetStringAsync("/", ct);
        Assert.Matches($"<h1[^>]*>{Name}: counter</h1>", counter);
        Assert.Contains("data-htag-on=\"click\">+1</button>", counter);
        var hello = await http.GetStringAsync("/hello?name=ann", ct);
        Assert.Matches("<h1[^>]*>Hello ann</h1>", hello);

        using var css = await http.GetAsync("/app.css", ct);
        Assert.True(css.IsSuccessStatusCode, "wwwroot/app.css: " + css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);

        var script = ScriptRx().Match(counter);
        Assert.True(script.Success, "no htag.js script in the page:\n" + counter);
        var js = await http.GetStringAsync(script.Groups[1].Value, ct);
        Assert.Contains("Idiomorph", js);
        Assert.Contains("htag", js);
    }

    [GeneratedRegex(@"^htag-listening: (http://\S+)$")]
    private static partial Regex ListeningRx();
    [GeneratedRegex(@"<script src=""(/_htag/htag\.js\?v=[0-9a-f]+)""")]
    private static partial Regex ScriptRx();
    [GeneratedRegex(@"\bwarning [A-Z]+[0-9]+\b")]
    private static partial Regex WarningRx();
}
