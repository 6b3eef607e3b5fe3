using System.Diagnostics;

namespace HTagKube.Chart.Tests.Infrastructure;

/// <summary>Result of one command-line tool run.</summary>
public sealed record ToolResult(int ExitCode, string StdOut, string StdErr)
{
    public bool Ok => ExitCode == 0;
    public override string ToString() => $"exit {ExitCode}\nstdout: {StdOut}\nstderr: {StdErr}";
}

/// <summary>Runs helm, kubectl and docker as processes (the same binaries a user runs).</summary>
public static class Tool
{
    /// <summary>The shared cluster scripts put helm and kubectl here instead of on PATH.</summary>
    static readonly string[] ExtraDirs =
    [
        Path.Combine(Environment.GetEnvironmentVariable("HTAGKUBE_CACHE") ?? "/var/cache/htagkube/k8s-1.20.2", "bin"),
    ];

    public static string Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirs))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{name} not found on PATH nor in {string.Join(", ", ExtraDirs)} (../shared/kube/build installs helm and kubectl)");
    }

    public static Task<ToolResult> HelmAsync(CancellationToken ct, params string[] args) => RunAsync(Find("helm"), args, ct);

    public static Task<ToolResult> KubectlAsync(CancellationToken ct, params string[] args) => RunAsync(Find("kubectl"), args, ct);

    public static async Task<ToolResult> RunAsync(string file, IEnumerable<string> args, CancellationToken ct, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        return new ToolResult(p.ExitCode, await stdout, await stderr);
    }
}
