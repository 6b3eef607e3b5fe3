using System.Security.Cryptography;
using HTagKube.Routing.Identity;
using HTagKube.Api.V1Alpha1;
using HTagKube.Operator.Hosting;
using k8s.Models;

namespace HTagKube.Operator.Sessions;

/// <summary>The Secret and the hardened Pod of a session (docs/design.md §6).</summary>
public static class SessionManifests
{
    public const string ManagedBy = "htagkube-operator";
    public const string ManagedBySelector = "app.kubernetes.io/managed-by=" + ManagedBy;
    public const string TokenKey = "token";
    public const string Container = "userpod";

    public static string SecretName(HTagSession s) => s.Metadata.Name + "-token";

    /// <summary>One pod name per session: the API server's name uniqueness rules out duplicate pods.</summary>
    public static string PodName(HTagSession s) => s.Metadata.Name!;

    static Dictionary<string, string> Labels(HTagSession s) => new()
    {
        [SessionNames.UserLabel] = s.Spec.UserKey,
        [SessionNames.SessionLabel] = s.Metadata.Name!,
        ["app.kubernetes.io/name"] = "htagkube-userpod",
        ["app.kubernetes.io/managed-by"] = ManagedBy,
    };

    static List<V1OwnerReference> Owner(HTagSession s) =>
    [
        new V1OwnerReference
        {
            ApiVersion = HTagSession.ApiVersionName, Kind = HTagSession.KindName, Name = s.Metadata.Name!, Uid = s.Metadata.Uid!,
            Controller = true, BlockOwnerDeletion = true,
        },
    ];

    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static V1Secret Secret(HTagSession s, string token) => new()
    {
        Metadata = new V1ObjectMeta { Name = SecretName(s), NamespaceProperty = s.Metadata.NamespaceProperty, Labels = Labels(s), OwnerReferences = Owner(s) },
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { [TokenKey] = System.Text.Encoding.UTF8.GetBytes(token) },
    };

    /// <summary>The token a Secret carries (the session's own or a claimed warm pod's).</summary>
    public static string TokenOf(V1Secret secret) =>
        secret.Data is { } data && data.TryGetValue(TokenKey, out var bytes) && bytes is { Length: > 0 }
            ? System.Text.Encoding.UTF8.GetString(bytes)
            : throw new InvalidOperationException($"secret {secret.Metadata.Name} has no token");

    public static V1Pod Pod(HTagSession s, OperatorOptions o) =>
        HardenedPod(PodName(s), s.Metadata.NamespaceProperty, Labels(s), Owner(s), string.IsNullOrEmpty(s.Spec.Image) ? o.Image : s.Spec.Image,
            s.Spec.Resources, SecretName(s), o);

    /// <summary>The controller ownerReference a session puts on its pod and Secret (also when it claims warm ones).</summary>
    public static V1OwnerReference OwnerOf(HTagSession s) => Owner(s)[0];

    /// <summary>
    /// The one pod builder: session pods and warm-pool pods are hardened identically (docs/design.md §6);
    /// only name, labels, owner and the token Secret differ.
    /// </summary>
    public static V1Pod HardenedPod(string name, string? ns, Dictionary<string, string> labels, List<V1OwnerReference>? owners, string image,
        SessionResources? res, string secretName, OperatorOptions o)
    {
        var restricted = new V1SecurityContext
        {
            AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true, RunAsNonRoot = true, Privileged = false,
            Capabilities = new V1Capabilities { Drop = ["ALL"] },
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        };
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels, OwnerReferences = owners },
            Spec = new V1PodSpec
            {
                // The operator, not the kubelet, restarts userpods: a dead userpod loses its state anyway,
                // and a fresh pod gets a clean status, backoff and a new route.
                RestartPolicy = "Never",
                AutomountServiceAccountToken = false,
                EnableServiceLinks = false,
                TerminationGracePeriodSeconds = 5,
                SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
                Containers =
                [
                    new V1Container
                    {
                        Name = Container,
                        Image = image,
                        ImagePullPolicy = o.ImagePullPolicy,
                        Env =
                        [
                            new V1EnvVar { Name = "HTAG_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secretName, Key = TokenKey } } },
                            new V1EnvVar { Name = "ASPNETCORE_HTTP_PORTS", Value = o.UserpodPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                            // Diagnostics IPC needs a writable root filesystem.
                            new V1EnvVar { Name = "DOTNET_EnableDiagnostics", Value = "0" },
                        ],
                        Ports = [new V1ContainerPort { Name = "http", ContainerPort = o.UserpodPort, Protocol = "TCP" }],
                        Resources = new V1ResourceRequirements
                        {
                            Requests = Quantities(res?.Requests is { Count: > 0 } rq ? rq : o.DefaultRequests),
                            Limits = Quantities(res?.Limits is { Count: > 0 } lim ? lim : o.DefaultLimits),
                        },
                        // Token-free by contract (the kubelet has no token).
                        ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = o.UserpodPort }, PeriodSeconds = 1, TimeoutSeconds = 1, FailureThreshold = 3 },
                        LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = o.UserpodPort }, InitialDelaySeconds = 10, PeriodSeconds = 10, TimeoutSeconds = 2, FailureThreshold = 3 },
                        SecurityContext = restricted,
                        VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
                    },
                ],
                Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } }],
            },
        };
    }

    static Dictionary<string, ResourceQuantity> Quantities(Dictionary<string, string> values) =>
        values.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value));
}
