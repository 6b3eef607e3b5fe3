using System.Diagnostics;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>
/// The userpod image in the test cluster's docker (no registry: the kubelet uses local images).
/// Built once per test run with operator/tools/build-images when missing.
/// </summary>
public static class Images
{
    public static string Tag => Environment.GetEnvironmentVariable("HTAGKUBE_IMAGE_TAG") ?? "0.1.0";
    public static string Userpod => $"htagkube/userpod:{Tag}";

    static readonly SemaphoreSlim Gate = new(1, 1);
    static bool _ready;

    static string DockerHost => Environment.GetEnvironmentVariable("DOCKER_HOST")
        ?? $"unix://{Environment.GetEnvironmentVariable("HTAGKUBE_STATE") ?? "/var/run/htagkube-kube"}/docker.sock";

    public static async Task EnsureUserpodAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_ready) return;
            if (await RunAsync("docker", ["image", "inspect", "--format", "{{.Id}}", Userpod]) != 0)
            {
                var script = Path.Combine(RepoRoot(), "operator", "tools", "build-images");
                if (await RunAsync(script, ["userpod"]) != 0) throw new InvalidOperationException($"{script} userpod failed");
            }
            _ready = true;
        }
        finally { Gate.Release(); }
    }

    /// <summary>The userpod image under another tag (the same bits, as a re-tagged release would be); made once.</summary>
    public static async Task<string> RetaggedUserpodAsync(string suffix)
    {
        await EnsureUserpodAsync();
        var retagged = $"{Userpod}-{suffix}";
        if (await RunAsync("docker", ["tag", Userpod, retagged]) != 0) throw new InvalidOperationException($"docker tag {retagged} failed");
        return retagged;
    }

    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HTagKube.sln"))) return d.FullName;
        throw new InvalidOperationException("HTagKube.sln not found above the test binaries");
    }

    static async Task<int> RunAsync(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOCKER_HOST"] = DockerHost;
        psi.Environment["IMAGE_TAG"] = Tag;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(cts.Token);
        await Task.WhenAll(output, error);
        return p.ExitCode;
    }
}
