using System.Globalization;
using System.Text;
using HTagKube.Api.V1Alpha1;
using HTagKube.Contract;
using HTagKube.Kubernetes;
using HTagKube.Operator.Hosting;
using k8s;
using k8s.Models;

namespace HTagKube.Operator.Pods;

/// <summary>
/// What every userpod pod is, whether a session's own or a warm-pool one (docs/design.md §6): the one hardened pod
/// builder, the labels, the token Secret and its token, and the one way the operator deletes a pod.
/// </summary>
public static class UserpodPod
{
    /// <summary>The managed-by label value on every pod and Secret the operator makes.</summary>
    public const string ManagedBy = "htagkube-operator";

    /// <summary>Selects what the operator made (its pod and Secret informers watch only that).</summary>
    public const string ManagedBySelector = ManagedByLabel + "=" + ManagedBy;

    const string ManagedByLabel = "app.kubernetes.io/managed-by";

    /// <summary>The userpod's container name.</summary>
    public const string Container = "userpod";

    /// <summary>The image the pod's userpod container runs.</summary>
    public static string? ImageOf(V1Pod p) => p.Spec?.Containers?.FirstOrDefault(c => c.Name == Container)?.Image;

    /// <summary>The labels of every userpod pod and token Secret, plus <paramref name="extra"/> (user, session, warm).</summary>
    public static Dictionary<string, string> Labels(params (string Key, string Value)[] extra)
    {
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "htagkube-userpod", [ManagedByLabel] = ManagedBy };
        foreach (var (key, value) in extra) labels[key] = value;
        return labels;
    }

    /// <summary>The labels naming the session a pod or Secret serves (set on its own ones, and on warm ones it claims).</summary>
    public static (string, string)[] SessionLabels(HTagSession s) =>
        [(KubernetesNames.UserLabel, s.Spec.UserKey), (KubernetesNames.SessionLabel, s.Metadata.Name!)];

    /// <summary>The controller ownerReference a session puts on its pod and Secret (also when it claims warm ones).</summary>
    public static V1OwnerReference OwnerOf(HTagSession s) => new()
    {
        ApiVersion = HTagSession.ApiVersionName, Kind = HTagSession.KindName, Name = s.Metadata.Name!, Uid = s.Metadata.Uid!,
        Controller = true, BlockOwnerDeletion = true,
    };

    /// <summary>A token Secret with a new token (<see cref="Tokens.New"/>: the one way tokens are minted).</summary>
    public static V1Secret TokenSecret(string name, string? ns, Dictionary<string, string> labels, V1OwnerReference? owner) => new()
    {
        Metadata = Metadata(name, ns, labels, owner),
        Type = "Opaque",
        Data = new Dictionary<string, byte[]> { [KubernetesNames.TokenSecretKey] = Encoding.UTF8.GetBytes(Tokens.New()) },
    };

    /// <summary>The token a Secret carries (a session's own or a claimed warm pod's).</summary>
    public static string TokenOf(V1Secret secret) =>
        secret.Data is { } data && data.TryGetValue(KubernetesNames.TokenSecretKey, out var bytes) && bytes is { Length: > 0 }
            ? Encoding.UTF8.GetString(bytes)
            : throw new InvalidOperationException($"secret {secret.Metadata.Name} has no token");

    /// <summary>The Secret a pod's token comes from.</summary>
    public static string? TokenSecretName(V1Pod p) =>
        p.Spec.Containers.SelectMany(c => c.Env ?? [])
            .FirstOrDefault(e => e.Name == UserpodEnvironment.Token)?.ValueFrom?.SecretKeyRef?.Name;

    /// <summary>
    /// The one pod builder: session pods and warm-pool pods are hardened identically (docs/design.md §6);
    /// only name, labels, owner, image, resources and the token Secret differ.
    /// </summary>
    public static V1Pod Build(string name, string? ns, Dictionary<string, string> labels, V1OwnerReference? owner, string image,
        SessionResources? res, string secretName, OperatorOptions o)
    {
        var restricted = new V1SecurityContext
        {
            AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true, RunAsNonRoot = true, Privileged = false,
            Capabilities = new V1Capabilities { Drop = ["ALL"] },
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        };
        var token = new V1EnvVarSource
        {
            SecretKeyRef = new V1SecretKeySelector { Name = secretName, Key = KubernetesNames.TokenSecretKey },
        };
        var port = o.UserpodPort.ToString(CultureInfo.InvariantCulture);
        return new V1Pod
        {
            Metadata = Metadata(name, ns, labels, owner),
            Spec = new V1PodSpec
            {
                // The operator, not the kubelet, restarts userpods: a dead userpod loses its state anyway,
                // and a fresh pod gets a clean status, backoff and a new route.
                RestartPolicy = "Never",
                AutomountServiceAccountToken = false,
                EnableServiceLinks = false,
                TerminationGracePeriodSeconds = 5,
                SecurityContext = new V1PodSecurityContext
                {
                    RunAsNonRoot = true, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                },
                Containers =
                [
                    new V1Container
                    {
                        Name = Container,
                        Image = image,
                        ImagePullPolicy = o.ImagePullPolicy,
                        Env =
                        [
                            new V1EnvVar { Name = UserpodEnvironment.Token, ValueFrom = token },
                            new V1EnvVar { Name = "ASPNETCORE_HTTP_PORTS", Value = port },
                            // Diagnostics IPC needs a writable root filesystem.
                            new V1EnvVar { Name = "DOTNET_EnableDiagnostics", Value = "0" },
                        ],
                        Ports = [new V1ContainerPort { Name = "http", ContainerPort = o.UserpodPort, Protocol = "TCP" }],
                        Resources = new V1ResourceRequirements
                        {
                            Requests = Quantities(res?.Requests is { Count: > 0 } rq ? rq : o.DefaultRequests),
                            Limits = Quantities(res?.Limits is { Count: > 0 } lim ? lim : o.DefaultLimits),
                        },
                        // Token-free by contract (the kubelet has no token). A startup probe, not a readiness one: it
                        // asks every second only until the userpod is ready (the container is Ready from then on, no
                        // readiness probe deciding otherwise), where a readiness probe asked every second for the pod's
                        // whole life: 60 requests a minute to each idle userpod, and the kubelet's work for each. Nothing
                        // needs a serving userpod's readiness: the router reaches it by its address, not through a Service.
                        StartupProbe = StartupProbe(o),
                        // A frozen userpod is ended after two missed answers 30 s apart: each probe is a request that
                        // wakes an idle userpod (about 1 ms of CPU here), and the user's own socket notices sooner (the
                        // router pings it every --ws-ping).
                        LivenessProbe = new V1Probe
                        {
                            HttpGet = new V1HTTPGetAction { Path = UserpodProtocol.HealthPath, Port = o.UserpodPort },
                            PeriodSeconds = 30, TimeoutSeconds = 2, FailureThreshold = 2,
                        },
                        SecurityContext = restricted,
                        VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
                    },
                ],
                Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new("64Mi") } }],
            },
        };
    }

    /// <summary>
    /// The userpod's readiness, asked every second from the container's start until it answers, for as long as a pod may
    /// take to start (the operator's own start deadline counts from the pod's creation, so it acts first).
    /// </summary>
    public static V1Probe StartupProbe(OperatorOptions o) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = UserpodProtocol.ReadyPath, Port = o.UserpodPort },
        PeriodSeconds = 1, TimeoutSeconds = 1, FailureThreshold = (int)Math.Ceiling(o.PodStartTimeout.TotalSeconds),
    };

    static V1ObjectMeta Metadata(string name, string? ns, Dictionary<string, string> labels, V1OwnerReference? owner) =>
        new() { Name = name, NamespaceProperty = ns, Labels = labels, OwnerReferences = owner is null ? null : [owner] };

    static Dictionary<string, ResourceQuantity> Quantities(Dictionary<string, string> values) =>
        values.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value));

    /// <summary>
    /// Deletes exactly this pod, at once: the uid precondition never hits a successor of the same name (a stale cache
    /// is harmless). Null when it was already gone. The only pod deletion in the operator: a session's pod otherwise
    /// goes by garbage collection (ownerReference) when the session goes.
    /// </summary>
    public static Task<V1Pod?> DeleteAsync(IKubernetes kube, V1Pod pod, CancellationToken ct) =>
        kube.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty,
            new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } },
            cancellationToken: ct).OrNullIfNotFound();
}
