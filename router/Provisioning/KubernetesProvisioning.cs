using HTagKube.Contract;
using HTagKube.Routing;
using HTagKube.Router.Hosting;
using k8s;
using HTagKube.Router.Metrics;

namespace HTagKube.Router.Provisioning;

/// <summary>
/// Registers Kubernetes mode (<c>--kubernetes</c>): the API client (KUBECONFIG, else in-cluster) and
/// <see cref="KubernetesSessionProvisioner"/>. Needs the shared Redis route table (<c>--redis</c>): the
/// operator publishes routes there. Settings: <c>Router:Namespace</c> / env <c>HTAGKUBE_NAMESPACE</c>,
/// <c>Router:UserpodImage</c> / env <c>HTAGKUBE_USERPOD_IMAGE</c>; the idle timeout is the router's.
/// </summary>
public static class KubernetesProvisioning
{
    /// <summary>Call from <see cref="ProvisionerSelection.AddProvisioner"/> when <see cref="RouterOptions.Kubernetes"/> is set.</summary>
    public static void Add(IServiceCollection services, RouterOptions options)
    {
        if (options.Redis is null)
            throw new ArgumentException("--kubernetes needs --redis: the operator publishes routes in Redis");
        // KUBECONFIG, else ~/.kube/config, else the pod's service account.
        services.AddSingleton<IKubernetes>(_ => new k8s.Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));
        services.AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<IConfiguration>();
            return new KubernetesProvisionerOptions
            {
                Namespace = config["Router:Namespace"] ?? Environment.GetEnvironmentVariable(RouterEnvironment.Namespace)
                    ?? DefaultNamespace(),
                Image = config["Router:UserpodImage"] ?? Environment.GetEnvironmentVariable(RouterEnvironment.UserpodImage),
                IdleTimeout = options.IdleTimeout,
                StartTimeout = options.SpawnTimeout > TimeSpan.FromSeconds(120) ? options.SpawnTimeout : TimeSpan.FromSeconds(120),
            };
        });
        services.AddSingleton(sp =>
        {
            var provisioner = new KubernetesSessionProvisioner(
                sp.GetRequiredService<IKubernetes>(), sp.GetRequiredService<IRouteTable>(),
                sp.GetRequiredService<KubernetesProvisionerOptions>(), sp.GetRequiredService<ILogger<KubernetesSessionProvisioner>>(),
                sp.GetRequiredService<Backend.RouterBackend>().WarmPods);
            sp.GetRequiredService<RouterMetrics>().Meter.CreateObservableGauge("live_sessions", () => provisioner.LiveSessions, null,
                "Sessions this router knows or is starting now.");
            return provisioner;
        });
        services.AddSingleton<ISessionProvisioner>(sp => sp.GetRequiredService<KubernetesSessionProvisioner>());
    }

    /// <summary>The kubeconfig context's namespace, in a pod its own (service account), else <c>default</c>.</summary>
    public static string DefaultNamespace() => KubernetesClientConfiguration.BuildDefaultConfig().Namespace ?? "default";
}
