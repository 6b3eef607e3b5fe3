using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Cluster;

/// <summary>
/// The images charts/values-local.yaml uses, in the node's docker daemon (DOCKER_HOST). The HTagKube images
/// come from `make images` (publishing three programs is too heavy for a test); the two small stand-ins for
/// registry images (Redis, kubectl) are built here when missing, as `make images-local-deps` does.
/// </summary>
public static class LocalImages
{
    public static readonly string[] Built = ["htagkube/router:0.1.0", "htagkube/operator:0.1.0", "htagkube/userpod:0.1.0"];
    public static readonly string[] Deps = ["htagkube/redis:7", "htagkube/kubectl:1"];

    public static async Task EnsureAsync(Action<string> log, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")))
        {
            log("DOCKER_HOST unset: not checking the node's images (a missing one shows as ErrImageNeverPull)");
            return;
        }
        var docker = Tool.Find("docker");
        var missing = new List<string>();
        foreach (var image in Built)
            if (!(await Tool.RunAsync(docker, ["image", "inspect", image], ct)).Ok) missing.Add(image);
        Assert.True(missing.Count == 0, $"images missing from the node's docker daemon: {string.Join(", ", missing)}; run `make images`");

        foreach (var image in Deps)
        {
            if ((await Tool.RunAsync(docker, ["image", "inspect", image], ct)).Ok) continue;
            log($"building {image} (make images-local-deps)");
            var make = await Tool.RunAsync(Tool.Find("make"), ["images-local-deps", "KUBECTL=" + Tool.Find("kubectl")], ct);
            Assert.True(make.Ok, "make images-local-deps: " + make);
            return;
        }
    }
}
