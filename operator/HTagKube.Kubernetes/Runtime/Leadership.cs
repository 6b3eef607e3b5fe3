using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace HTagKube.Kubernetes.Runtime;

public sealed record LeaderElectionOptions
{
    public required string Namespace { get; init; }
    public required string LeaseName { get; init; }
    public string Identity { get; init; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease with the client's <see cref="LeaderElector"/> (LeaseLock), plus
/// what the library lacks: the lease is released when this process stops leading on shutdown, so a standby takes
/// over in about one retry period instead of waiting out the lease duration.
/// </summary>
public sealed class Leadership(IKubernetes kube, LeaderElectionOptions o, ILogger log)
{
    volatile bool _isLeader;

    public string Identity => o.Identity;
    public bool IsLeader => _isLeader;

    /// <summary>
    /// Campaigns until <paramref name="ct"/> is cancelled; while leading runs <paramref name="lead"/> with a token that
    /// is cancelled when the lease is lost. On shutdown the lease is released for a fast hand-over.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(kube, o.Namespace, o.LeaseName, o.Identity))
            {
                LeaseDuration = o.LeaseDuration, RenewDeadline = o.RenewDeadline, RetryPeriod = o.RetryPeriod,
            });
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task? work = null;
            elector.OnStartedLeading += () =>
            {
                _isLeader = true;
                log.LogInformation("{Identity} became leader of {Lease}", o.Identity, o.LeaseName);
                work = RunLeaderWorkAsync(lead, leading.Token);
            };
            elector.OnStoppedLeading += () => { _isLeader = false; leading.Cancel(); };
            elector.OnError += e => log.LogWarning("lease {Lease}: {Error}", o.LeaseName, e?.Message);
            Exception? failed = null;
            try { await elector.RunUntilLeadershipLostAsync(ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            catch (Exception e) { failed = e; } // the elector lets API errors of a campaign escape: campaign again
            _isLeader = false;
            await leading.CancelAsync();
            if (work is not null) await work;
            if (ct.IsCancellationRequested)
            {
                if (work is not null) await ReleaseAsync();
                return;
            }
            if (work is not null) log.LogWarning("{Identity} lost leadership of {Lease}", o.Identity, o.LeaseName);
            if (failed is not null)
            {
                log.LogWarning("lease {Lease}: {Error}", o.LeaseName, failed.Message);
                try { await Task.Delay(o.RetryPeriod, ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    async Task RunLeaderWorkAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        await Task.Yield(); // off the elector's callback
        try { await lead(ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e) { log.LogError(e, "leader work failed"); }
    }

    /// <summary>
    /// Empties the holder with an update carrying the resourceVersion read (409, and nothing changes, if someone else
    /// wrote meanwhile). The elector treats an empty holder as free; a null one would make it try to create the Lease,
    /// which exists, and fail. Needs only the verbs the elector needs (get, update).
    /// </summary>
    async Task ReleaseAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var lease = await kube.CoordinationV1.ReadNamespacedLeaseAsync(o.LeaseName, o.Namespace, cancellationToken: cts.Token);
            if (lease.Spec?.HolderIdentity != o.Identity) return;
            lease.Spec.HolderIdentity = "";
            await kube.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, o.LeaseName, o.Namespace, cancellationToken: cts.Token);
            log.LogInformation("{Identity} released {Lease}", o.Identity, o.LeaseName);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or OperationCanceledException or HttpRequestException)
        {
            log.LogWarning("release {Lease}: {Error}", o.LeaseName, e.Message);
        }
    }
}
