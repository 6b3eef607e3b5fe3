using Xunit;
using DotNet.Testcontainers.Configurations;

namespace HTagKube.Testing;

/// <summary>
/// A test that needs a docker daemon (DOCKER_HOST: the test cluster's, from ../shared/kube/up). Without one it is
/// skipped with the reason, except in CI (CI=true), where a missing daemon must fail loudly.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (DockerDaemon.MissingReason is { } reason && !Cluster.IsCi) Skip = reason;
    }
}

/// <summary>How Testcontainers reaches the private dockerd of ../shared/kube (its README, last section).</summary>
public static class DockerDaemon
{
    public static string? MissingReason =>
        string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("DOCKER_HOST"))
            ? "DOCKER_HOST is not set: start the test cluster with ../shared/kube/up and export its DOCKER_HOST (CI=true makes this a failure)"
            : null;

    /// <summary>Call before the first container: an old daemon (API 1.41), no registry (no Ryuk), ports on loopback.</summary>
    public static void Configure()
    {
        if (MissingReason is { } reason) throw new InvalidOperationException(reason);
        Default("DOCKER_API_VERSION", "1.41");
        Default("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");
        TestcontainersSettings.ResourceReaperEnabled = false; // the Ryuk image cannot be pulled
    }

    static void Default(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) Environment.SetEnvironmentVariable(name, value);
    }
}
