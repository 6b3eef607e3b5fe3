using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Pods;
using HTagKube.Operator.Routes;
using HTagKube.Operator.Sessions;
using HTagKube.Operator.Warm;
using HTagKube.Routing;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HTagKube.Operator.Hosting;

/// <summary>
/// The operator's composition, registered the way KubeOps' <c>AddKubernetesOperator()</c> does: the HTagSession
/// controller (owning Pods and Secrets) with its finalizer, the warm pool and the route watch are the runtime's leader
/// work, started and stopped with the lease by <see cref="Leadership"/>. A standby only campaigns, so two replicas never
/// both act; losing every replica leaves running sessions serving (their routes stay in Redis).
/// </summary>
public static class OperatorServices
{
    /// <summary>Registers the operator on <paramref name="kube"/> and <paramref name="routes"/> (both owned by the container).</summary>
    public static IServiceCollection AddHTagKubeOperator(this IServiceCollection services, OperatorOptions o, IKubernetes kube,
        IRouteTable routes)
    {
        var ns = o.Namespace ?? throw new ArgumentException("the namespace must be resolved", nameof(o));
        services.AddSingleton(o);
        services.AddSingleton(_ => kube);
        services.AddSingleton(_ => routes);
        services.AddSingleton<OperatorMetrics>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => WarmPoolSizer.From(o, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<WarmPoolStatus>();
        services.AddSingleton<WarmOfferBook>();
        // Offers to the routers need the shared Redis (the operator's table in production; tests may give another).
        if ((routes as RedisRouteTable)?.Connection is { } redis) services.AddSingleton(new WarmPodOffers(redis));
        services.AddSingleton<SessionPods>();
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<SessionStatusWriter>();
        services.AddSingleton<SessionPodLifecycle>();
        services.AddSingleton<SessionRoutes>();
        services.AddSingleton<SessionUpgrade>();
        // Session pods and Secrets, and warm pods with theirs (no owner: no reconciles), carry the managed-by label.
        var userpods = new InformerOptions { Namespace = ns, LabelSelector = UserpodPod.ManagedBySelector };
        services.AddControllerRuntime(_ => new LeaderElectionOptions
            {
                Namespace = o.LeaseNamespace ?? ns,
                LeaseName = o.LeaseName,
                LeaseDuration = o.LeaseDuration,
                RenewDeadline = o.LeaseDuration * 2 / 3,
                RetryPeriod = TimeSpan.FromSeconds(Math.Max(0.2, o.LeaseDuration.TotalSeconds / 7.5)),
            })
            .AddInformer(SessionKind.HTagSessions, _ => new InformerOptions { Namespace = ns })
            .AddInformer(KubeKinds.Pods, _ => userpods)
            .AddInformer(KubeKinds.Secrets, _ => userpods)
            .AddController<HTagSession, SessionReconciler>(SessionKind.HTagSessions, new ControllerOptions { Workers = o.Workers })
                .Owns<V1Pod>().Owns<V1Secret>().WithFinalizer<SessionFinalizer>()
            .Runtime
            .AddLeaderWork<WarmPool>()
            .AddLeaderWork<RouteWatch>();
        return services;
    }
}
