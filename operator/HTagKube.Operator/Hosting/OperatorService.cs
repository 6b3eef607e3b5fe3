using HTagKube.Routing;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Sessions;
using HTagKube.Operator.Warm;
using k8s;

namespace HTagKube.Operator.Hosting;

/// <summary>
/// Campaigns for the Lease; while leading runs the HTagSession controller (owning Pods and Secrets) and turns
/// route-expiry notifications into reconciles. A standby only campaigns, so two replicas never both act.
/// </summary>
public sealed class OperatorService(
    IKubernetes kube, IRouteTable routes, SessionReconciler reconciler, SessionFinalizer finalizer, WarmPool pool, OperatorOptions o,
    OperatorMetrics metrics, ILoggerFactory loggers) : BackgroundService
{
    readonly ILogger _log = loggers.CreateLogger<OperatorService>();

    public string Namespace => o.Namespace!;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var elector = new Leadership(kube, new LeaderElectionOptions
        {
            Namespace = o.LeaseNamespace ?? Namespace,
            LeaseName = o.LeaseName,
            LeaseDuration = TimeSpan.FromSeconds(o.LeaseDurationSeconds),
            RenewDeadline = TimeSpan.FromSeconds(o.LeaseDurationSeconds * 2.0 / 3),
            RetryPeriod = TimeSpan.FromSeconds(Math.Max(0.2, o.LeaseDurationSeconds / 7.5)),
        }, loggers.CreateLogger<Leadership>());
        _log.LogInformation("operator {Identity}: namespace {Namespace}, campaigning for lease {Lease}", elector.Identity, Namespace, o.LeaseName);
        return elector.RunAsync(LeadAsync, stoppingToken);
    }

    async Task LeadAsync(CancellationToken ct)
    {
        var controller = new EntityController<HTagSession>(kube, SessionKind.HTagSessions, reconciler, finalizer, new ControllerOptions
        {
            Namespace = Namespace, Workers = o.Workers,
        }, loggers.CreateLogger<EntityController<HTagSession>>());
        var pods = controller.Owns(KubeKinds.Pods, SessionManifests.ManagedBySelector);
        reconciler.UsePodCache(pods);
        pool.Attach(pods, Namespace); // warm pods carry the managed-by label too (and no owner: no reconciles)
        controller.Owns(KubeKinds.Secrets, SessionManifests.ManagedBySelector);

        void OnExpired(string userKey)
        {
            foreach (var s in controller.Informer.List())
                if (s.Spec.UserKey == userKey) controller.Enqueue(s.Metadata.NamespaceProperty, s.Metadata.Name);
        }

        metrics.IsLeader = true;
        metrics.Sessions = controller.Informer.List;
        metrics.WarmTarget = pool.Size;
        metrics.WarmPods = pool.Count;
        routes.RouteExpired += OnExpired;
        try { await Task.WhenAll(controller.RunAsync(ct), pool.RunAsync(ct)); }
        finally
        {
            pool.Attach(null, Namespace);
            metrics.WarmPods = null;
            routes.RouteExpired -= OnExpired;
            reconciler.UsePodCache(null);
            metrics.IsLeader = false;
            metrics.Sessions = null;
        }
    }
}
