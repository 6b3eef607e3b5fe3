using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace HTag.Server.Tests;

/// <summary>
/// An app author's own program, outside this repository's build (docs/apps.md, "Publishing with NativeAOT"): written to a
/// fresh directory, published with NativeAOT (trim/AOT warnings are errors), then served behind the real router as its
/// userpod command. Proves the framework's reflection (an Init overload with query arguments) and JSON survive trimming.
/// </summary>
public sealed partial class ExternalAotAppTests(ITestOutputHelper output)
{
    const string ProjectFile = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <PublishAot>true</PublishAot>
            <InvariantGlobalization>true</InvariantGlobalization>
          </PropertyGroup>
          <ItemGroup>
            <ProjectReference Include="HTAG_SERVER_PROJECT" />
          </ItemGroup>
        </Project>
        """;

    const string ProgramFile = """
        using HTag;

        HTagServer.Create(args).Map<Greeter>("/").Run();

        public sealed class Greeter : Tag.Div
        {
            int _clicks;
            protected override void Init() => Init("nobody");
            void Init(string name, int times = 1)
            {
                var count = new Tag.Span("clicks 0");
                Add(new Tag.H1(string.Join(" ", Enumerable.Repeat("Hello " + name, times))), count,
                    new Tag.Button("+1") { OnClick = _ => count.Text = "clicks " + ++_clicks });
            }
        }
        """;

    [Fact]
    public async Task An_external_app_published_with_NativeAOT_runs_behind_the_router()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        var ct = cts.Token;
        var root = RepoRoot();
        // Outside the repository, so none of its Directory.Build.props or central package versions apply: an author's setup.
        var dir = Directory.CreateTempSubdirectory("htag-aot-app-").FullName;
        try
        {
            await PublishAndServeAsync(root, dir, ct);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    async Task PublishAndServeAsync(string root, string dir, CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(dir, "Greeter.csproj"),
            ProjectFile.Replace("HTAG_SERVER_PROJECT", Path.Combine(root, "userpod", "HTag.Server", "HTag.Server.csproj")), ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "Program.cs"), ProgramFile, ct);

        var outDir = Path.Combine(dir, "out");
        var (code, log) = await RunAsync("dotnet", ["publish", dir, "-c", "Release", "-r", "linux-x64", "-o", outDir, "-nologo"], dir, ct);
        output.WriteLine(log);
        Assert.True(code == 0, "dotnet publish -p:PublishAot=true failed (clang and zlib1g-dev installed?):\n" + log);
        Assert.DoesNotContain("warning", log, StringComparison.OrdinalIgnoreCase);
        var exe = Path.Combine(outDir, "Greeter");
        Assert.True(File.Exists(exe), "no native executable " + exe);
        Assert.Equal("\x7f" + "ELF", Encoding.ASCII.GetString(File.ReadAllBytes(exe).AsSpan(0, 4)));
        Assert.Empty(Directory.GetFiles(outDir, "*.dll")); // native: no managed assemblies beside it

        var routerDll = Path.Combine(root, "router", "bin", Config, "net10.0", "HTagKube.Router.dll");
        await using var router = await ServerProgram.StartAsync(routerDll, ["--userpod-command", exe, "--warm-pool", "0"], "readyz", ct: ct);
        var cookies = new CookieContainer();
        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies }) { BaseAddress = router.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

        // The query picks the Init(string, int) overload: found by reflection in the trimmed, AOT-compiled program.
        var html = await http.GetStringAsync("/?ann&times=2", ct);
        Assert.Contains("Hello ann Hello ann", html);
        var children = ProcessTree.Children(router.Pid);
        Assert.Contains(children, pid => ProcessTree.CommandLine(pid).Contains(exe, StringComparison.Ordinal));

        // One click over the WebSocket through the router: the update comes back (source-generated JSON both ways).
        var instance = InstanceRx().Match(html).Groups[1].Value;
        var button = ButtonRx().Matches(html).Select(m => m.Value).Where(b => b.Contains("data-htag-on=\"click\"", StringComparison.Ordinal))
            .Select(b => IdRx().Match(b).Groups[1].Value).FirstOrDefault();
        Assert.False(string.IsNullOrEmpty(instance) || string.IsNullOrEmpty(button), "no instance or button in the page:\n" + html);
        using var ws = new ClientWebSocket();
        ws.Options.Cookies = cookies;
        await ws.ConnectAsync(new Uri($"ws://{router.BaseAddress.Authority}/_htag/ws?app=%2F&i={instance}"), ct);
        await ws.SendAsync(Encoding.UTF8.GetBytes($"{{\"id\":\"{button}\",\"ev\":\"click\",\"data\":{{}},\"args\":[]}}"), WebSocketMessageType.Text, true, ct);
        var reply = await ReceiveUntilAsync(ws, "update", ct);
        Assert.Contains("clicks 1", reply);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);

        await router.StopAsync(TimeSpan.FromSeconds(30));
        await Eventually.True(() => children.All(pid => !ProcessTree.IsAlive(pid)), TimeSpan.FromSeconds(30), "the AOT userpod ends with its router");
    }

#if DEBUG
    const string Config = "Debug";
#else
    const string Config = "Release";
#endif

    static async Task<string> ReceiveUntilAsync(ClientWebSocket ws, string marker, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var sb = new StringBuilder();
            ValueWebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(buffer.AsMemory(), ct);
                if (r.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException($"closed: {ws.CloseStatus} {ws.CloseStatusDescription}");
                sb.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
            } while (!r.EndOfMessage);
            var text = sb.ToString();
            if (text.Contains(marker, StringComparison.Ordinal)) return text;
        }
    }

    static async Task<(int Code, string Output)> RunAsync(string file, string[] args, string dir, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return (p.ExitCode, await stdout + await stderr);
    }

    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HTagKube.sln"))) return d.FullName;
        throw new InvalidOperationException("HTagKube.sln not found above the test binaries");
    }

    [GeneratedRegex("data-htag-instance=\"([^\"]+)\"")]
    private static partial Regex InstanceRx();
    [GeneratedRegex("<button[^>]*>")]
    private static partial Regex ButtonRx();
    [GeneratedRegex("\\sid=\"([^\"]+)\"")]
    private static partial Regex IdRx();
}
