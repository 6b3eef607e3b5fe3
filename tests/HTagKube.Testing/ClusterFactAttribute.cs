using Xunit;

namespace HTagKube.Testing;

/// <summary>
/// A test that needs the real cluster (KUBECONFIG). Without one it is skipped with the reason, except in
/// CI (CI=true), where a missing cluster must fail loudly: CI brings the cluster up.
/// </summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (Cluster.MissingReason is { } reason && !Cluster.IsCi) Skip = reason;
    }
}

public static class Cluster
{
    public static bool IsCi => Environment.GetEnvironmentVariable("CI") == "true";

    public static string? MissingReason =>
        string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("KUBECONFIG"))
            ? "KUBECONFIG is not set: start the test cluster with ../shared/kube/up and export KUBECONFIG (CI=true makes this a failure)"
            : null;

    /// <summary>Throws the clear reason when there is no cluster (reached only in CI, or when not skipped).</summary>
    public static void Require()
    {
        if (MissingReason is { } reason) throw new InvalidOperationException(reason);
    }
}
