using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Sessions;
using HTagKube.Operator.Warm;
using HTagKube.Routing;
using k8s;
using k8s.Models;

namespace HTagKube.Operator.Hosting;

/// <summary>
/// The operator, composed: the HTagSession controller (owning Pods and Secrets) and the warm pool are the runtime's leader
/// work, started and stopped with the lease by <see cref="Leadership"/>; route expiries enqueue their session (while
/// leading: a standby's informers serve nothing). A standby only campaigns, so two replicas never both act.
/// </summary>
public sealed class SessionOperator
{
    public SessionOperator(IKubernetes kube, IRouteTable routes, OperatorOptions o, ILoggerFactory loggers)
    {
        var ns = o.Namespace!;
        var log = loggers.CreateLogger<SessionOperator>();
        var sessions = new Informer<HTagSession>(kube, SessionKind.HTagSessions, new() { Namespace = ns }, log);
        // Session pods and Secrets, and warm pods with theirs (no owner: no reconciles), carry the managed-by label.
        var pods = new Informer<V1Pod>(kube, KubeKinds.Pods, new() { Namespace = ns, LabelSelector = SessionManifests.ManagedBySelector }, log);
        var secrets = new Informer<V1Secret>(kube, KubeKinds.Secrets, new() { Namespace = ns, LabelSelector = SessionManifests.ManagedBySelector }, log);
        WarmPool? pool = null; // the warm gauge reads the pool, the pool records into the metrics
        Metrics = new OperatorMetrics(sessions.List, () => pool?.Count() ?? (0, 0), o.WarmPool);
        pool = new WarmPool(kube, o, pods, Metrics, loggers.CreateLogger<WarmPool>());
        var reconciler = new SessionReconciler(kube, routes, o, Metrics, pool, new SessionPods(kube, pods), loggers.CreateLogger<SessionReconciler>());
        var controller = new EntityController<HTagSession>(kube, SessionKind.HTagSessions, sessions, reconciler,
            new SessionFinalizer(kube, routes, loggers.CreateLogger<SessionFinalizer>()), new ControllerOptions { Workers = o.Workers }, log);
        controller.Owns(pods);
        controller.Owns(secrets);
        routes.RouteExpired += userKey =>
        {
            foreach (var s in sessions.List())
                if (s.Spec.UserKey == userKey) controller.Enqueue(s.Metadata.NamespaceProperty, s.Metadata.Name);
        };
        Leadership = new Leadership(kube, new LeaderElectionOptions
        {
            Namespace = o.LeaseNamespace ?? ns,
            LeaseName = o.LeaseName,
            LeaseDuration = TimeSpan.FromSeconds(o.LeaseDurationSeconds),
            RenewDeadline = TimeSpan.FromSeconds(o.LeaseDurationSeconds * 2.0 / 3),
            RetryPeriod = TimeSpan.FromSeconds(Math.Max(0.2, o.LeaseDurationSeconds / 7.5)),
        }, [controller, pool], loggers.CreateLogger<Leadership>());
        log.LogInformation("operator {Identity}: namespace {Namespace}, campaigning for lease {Lease}", Leadership.Identity, ns, o.LeaseName);
    }

    /// <summary>The hosted service: campaigns, and runs the controller and the warm pool while leading.</summary>
    public Leadership Leadership { get; }

    public OperatorMetrics Metrics { get; }
}
