using System.Diagnostics;
using HTagKube.Operator.Tests.Infrastructure;

namespace HTagKube.Operator.Tests.EndToEnd;

/// <summary>Everything of Kubernetes mode as local processes: operator + router (--kubernetes) + Redis, and Chromium.</summary>
public class KubernetesModeFixture : OperatorFixture
{
    public RouterProcess Router { get; private set; } = null!;
    public Browser Browser { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        if (Cluster.MissingReason is not null) return;
        Router = await RouterProcess.StartAsync(Namespace, Redis.Configuration, TimeSpan.FromMinutes(10));
        Browser = await Infrastructure.Browser.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        if (Router is not null) await Router.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>The operator's and the router's last log lines, for a test's output.</summary>
    public void WriteLogs(Xunit.Abstractions.ITestOutputHelper output)
    {
        if (Operator is null) return;
        foreach (var line in Operator.Log.TakeLast(40)) output.WriteLine("operator| " + line);
        if (Router is null) return;
        foreach (var line in Router.Log.TakeLast(40)) output.WriteLine("router| " + line);
    }

    /// <summary>`kubectl get htagsessions` in the test namespace (kubectl from PATH, else the cluster cache).</summary>
    public async Task<string> KubectlGetSessionsAsync()
    {
        var kubectl = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(d => Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists)
            ?? Path.Combine(Environment.GetEnvironmentVariable("HTAGKUBE_CACHE") ?? "/var/cache/htagkube/k8s-1.20.2", "bin", "kubectl");
        var psi = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "get", "htagsessions", "-n", Namespace }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"kubectl failed: {await stderr}");
        return await stdout;
    }
}
