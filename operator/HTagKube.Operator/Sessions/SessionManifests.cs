using System.Security.Cryptography;
using HTagKube.Routing.Identity;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Models;
using HTagKube.Operator.Hosting;

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

    static List<OwnerReference> Owner(HTagSession s) =>
    [
        new OwnerReference
        {
            ApiVersion = HTagSession.ApiVersionName, Kind = HTagSession.KindName, Name = s.Metadata.Name!, Uid = s.Metadata.Uid!,
            Controller = true, BlockOwnerDeletion = true,
        },
    ];

    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static Secret Secret(HTagSession s, string token) => new()
    {
        Metadata = new ObjectMeta { Name = SecretName(s), Namespace = s.Metadata.Namespace, Labels = Labels(s), OwnerReferences = Owner(s) },
        Type = "Opaque",
        Data = new() { [TokenKey] = System.Text.Encoding.UTF8.GetBytes(token) },
    };

    public static Pod Pod(HTagSession s, OperatorOptions o) =>
        HardenedPod(PodName(s), s.Metadata.Namespace, Labels(s), Owner(s), string.IsNullOrEmpty(s.Spec.Image) ? o.Image : s.Spec.Image,
            s.Spec.Resources, SecretName(s), o);

    /// <summary>The controller ownerReference a session puts on its pod and Secret (also when it claims warm ones).</summary>
    public static OwnerReference OwnerOf(HTagSession s) => Owner(s)[0];

    /// <summary>The labels of a session's objects (a claimed warm pod gets them too).</summary>
    public static Dictionary<string, string> LabelsOf(HTagSession s) => Labels(s);

    /// <summary>
    /// The one pod builder: session pods and warm-pool pods are hardened identically (docs/design.md §6);
    /// only name, labels, owner and the token Secret differ.
    /// </summary>
    public static Pod HardenedPod(string name, string? ns, Dictionary<string, string> labels, List<OwnerReference>? owners, string image,
        SessionResources? res, string secretName, OperatorOptions o)
    {
        var restricted = new SecurityContext
        {
            AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true, RunAsNonRoot = true, Privileged = false,
            Capabilities = new Capabilities { Drop = ["ALL"] },
            SeccompProfile = new SeccompProfile { Type = "RuntimeDefault" },
        };
        return new Pod
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels, OwnerReferences = owners },
            Spec = new PodSpec
            {
                // The operator, not the kubelet, restarts userpods: a dead userpod loses its state anyway,
                // and a fresh pod gets a clean status, backoff and a new route.
                RestartPolicy = "Never",
                AutomountServiceAccountToken = false,
                EnableServiceLinks = false,
                TerminationGracePeriodSeconds = 5,
                SecurityContext = new PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new SeccompProfile { Type = "RuntimeDefault" } },
                Containers =
                [
                    new Container
                    {
                        Name = Container,
                        Image = image,
                        ImagePullPolicy = o.ImagePullPolicy,
                        Env =
                        [
                            new EnvVar { Name = "HTAG_TOKEN", ValueFrom = new EnvVarSource { SecretKeyRef = new KeySelector { Name = secretName, Key = TokenKey } } },
                            new EnvVar { Name = "ASPNETCORE_HTTP_PORTS", Value = o.UserpodPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                            // Diagnostics IPC needs a writable root filesystem.
                            new EnvVar { Name = "DOTNET_EnableDiagnostics", Value = "0" },
                        ],
                        Ports = [new ContainerPort { Name = "http", Port = o.UserpodPort, Protocol = "TCP" }],
                        Resources = new ResourceRequirements
                        {
                            Requests = res?.Requests is { Count: > 0 } rq ? new(rq) : new(o.DefaultRequests),
                            Limits = res?.Limits is { Count: > 0 } lim ? new(lim) : new(o.DefaultLimits),
                        },
                        // Token-free by contract (the kubelet has no token).
                        ReadinessProbe = new Probe { HttpGet = new HttpGetAction { Path = "/readyz", Port = o.UserpodPort }, PeriodSeconds = 1, TimeoutSeconds = 1, FailureThreshold = 3 },
                        LivenessProbe = new Probe { HttpGet = new HttpGetAction { Path = "/healthz", Port = o.UserpodPort }, InitialDelaySeconds = 10, PeriodSeconds = 10, TimeoutSeconds = 2, FailureThreshold = 3 },
                        SecurityContext = restricted,
                        VolumeMounts = [new VolumeMount { Name = "tmp", MountPath = "/tmp" }],
                    },
                ],
                Volumes = [new Volume { Name = "tmp", EmptyDir = new EmptyDirVolumeSource { SizeLimit = "64Mi" } }],
            },
        };
    }
}
