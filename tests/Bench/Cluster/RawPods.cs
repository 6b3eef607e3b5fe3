using System.Diagnostics;
using k8s;
using k8s.Models;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// The node's own limit: N pods of the userpod image created at once, no operator, no router: create → every pod Ready
/// (as seen through a watch). The pods are shaped as the operator's session pods (hardened, the same probes and
/// resources) except that the token is a plain value instead of a Secret reference (there is no operator to make one).
/// </summary>
static class RawPods
{
    public const string Label = "htagkube-bench";

    public static V1Pod Manifest(string name, string image) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { [Label] = "raw" } },
        Spec = new V1PodSpec
        {
            RestartPolicy = "Never", AutomountServiceAccountToken = false, EnableServiceLinks = false, TerminationGracePeriodSeconds = 5,
            SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Containers =
            [
                new V1Container
                {
                    Name = "userpod", Image = image, ImagePullPolicy = "Never",
                    Env =
                    [
                        new V1EnvVar { Name = "HTAG_TOKEN", Value = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) },
                        new V1EnvVar { Name = "ASPNETCORE_HTTP_PORTS", Value = "8080" },
                        new V1EnvVar { Name = "DOTNET_EnableDiagnostics", Value = "0" },
                    ],
                    Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }],
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") },
                        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("256Mi") },
                    },
                    // The operator's probe (UserpodPod.StartupProbe): Ready once /readyz answers, asked every second.
                    StartupProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = 8080 }, PeriodSeconds = 1, TimeoutSeconds = 1, FailureThreshold = 120 },
                    SecurityContext = new V1SecurityContext
                    {
                        AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true, RunAsNonRoot = true, Privileged = false,
                        Capabilities = new V1Capabilities { Drop = ["ALL"] }, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                    },
                    VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
                },
            ],
            Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } }],
        },
    };

    public sealed record Result(int Pods, double AllReadyMs, double MedianReadyMs, double PodsPerSecond, NodeMemory.PerPod? Memory);

    /// <summary>Creates <paramref name="n"/> pods at once in <paramref name="ns"/>, waits for all Ready, then deletes them and waits until they are gone.</summary>
    public static async Task<Result> RunAsync(IKubernetes kube, string ns, string image, int n, bool measureMemory, CancellationToken ct)
    {
        var before = measureMemory ? await NodeMemory.ReadAsync(kube, ct) : null;
        await using var watch = await NamespaceWatch.StartAsync(kube, ns, sessions: false, ct);
        var names = Enumerable.Range(0, n).Select(i => $"raw-{i:000}").ToList();
        var t0 = Stopwatch.GetTimestamp();
        await Task.WhenAll(names.Select(name => kube.CoreV1.CreateNamespacedPodAsync(Manifest(name, image), ns, cancellationToken: ct)));
        await Eventually.True(() => Task.FromResult(names.All(x => watch.Pods.TryGetValue(x, out var p) && p.Ready is not null)),
            TimeSpan.FromMinutes(5), $"{n} raw pods Ready");
        var ready = names.Select(x => NamespaceWatch.Ms(t0, watch.Pods[x].Ready)!.Value).ToList();
        NodeMemory.PerPod? memory = null;
        if (before is not null) memory = (await NodeMemory.ReadAsync(kube, ct)).PerPodSince(before);
        var all = ready.Max();
        await DeleteAsync(kube, ns, ct);
        return new Result(n, all, new Sample(ready).Median, n / (all / 1000), memory);
    }

    /// <summary>Deletes the raw pods and waits until none is left (terminating pods would compete with the next scenario).</summary>
    public static async Task DeleteAsync(IKubernetes kube, string ns, CancellationToken ct)
    {
        await kube.CoreV1.DeleteCollectionNamespacedPodAsync(ns, labelSelector: $"{Label}=raw", gracePeriodSeconds: 0, cancellationToken: ct);
        await Eventually.True(async () => (await kube.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"{Label}=raw", cancellationToken: ct)).Items.Count == 0,
            TimeSpan.FromMinutes(3), "raw pods gone");
    }
}
