using System.Diagnostics;

namespace HTagKube.Bench.Cluster;

/// <summary>helm and kubectl as a deployer runs them (from $PATH, with $KUBECONFIG): output captured, a failure is an exception.</summary>
static class Shell
{
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, CancellationToken ct, bool check = true)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try { await p.WaitForExitAsync(ct); }
        catch (OperationCanceledException) { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } throw; }
        var (o, e) = (await stdout, await stderr);
        if (check && p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', psi.ArgumentList)} exited {p.ExitCode}: {e.Trim()} {o.Trim()}".Trim());
        return o;
    }

    public static Task<string> KubectlAsync(CancellationToken ct, params string[] args) => RunAsync("kubectl", args, ct);
    public static Task<string> HelmAsync(CancellationToken ct, params string[] args) => RunAsync("helm", args, ct);
}
