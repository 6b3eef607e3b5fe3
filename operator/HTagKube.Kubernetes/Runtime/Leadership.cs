using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>The Lease campaigned for and the election's timing (the client's LeaderElectionConfig).</summary>
public sealed record LeaderElectionOptions
{
    /// <summary>The Lease's namespace.</summary>
    public required string Namespace { get; init; }
    /// <summary>The Lease's name.</summary>
    public required string LeaseName { get; init; }
    /// <summary>This candidate's name in the Lease (unique per process).</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";
    /// <summary>How long a lease lasts without renewal.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>A leader that cannot renew within this long stops leading.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Between attempts to take or renew the lease.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>What runs only while this process leads: started when it wins the lease, cancelled when it loses it or stops.
/// An exception out of it ends the whole term (see <see cref="Leadership"/>).</summary>
public interface ILeaderWork
{
    /// <summary>Runs for one term, until <paramref name="ct"/> ends it.</summary>
    Task LeadAsync(CancellationToken ct);
}

/// <summary>
/// The runtime's leader election (KubeOps' LeaderElectionBackgroundService with its leader-aware watchers): campaigns for a
/// coordination.k8s.io/v1 Lease with the client's <see cref="LeaderElector"/> (<see cref="LeaseLock"/>) and, while leading,
/// runs every <see cref="ILeaderWork"/> (controllers with their watches and queues, leader-only loops), stopping them when
/// the lease is lost; <c>htagkube_leader</c> says whether it leads. A term's work is cancelled and awaited before the next
/// term starts. A work item that throws ends the term (logged as an error): the other items are cancelled, the lease is
/// released and, after the retry period, campaigned for again with all work fresh, rather than holding the lease with that
/// work dead. Added to the library: a stopping leader releases the lease, and a standby watches the Lease and campaigns
/// again the moment it sees it released, instead of at its next retry (every lease/7.5 s), so a graceful hand-over takes
/// about one API round trip.
/// </summary>
public sealed class Leadership(IKubernetes kube, LeaderElectionOptions o, IEnumerable<ILeaderWork> work, ILogger log) : BackgroundService
{
    volatile bool _isLeader;
    volatile bool _leaseReleased;            // as the Lease watch last showed it
    volatile string? _seenByElector;         // the holder the current elector last saw
    volatile CancellationTokenSource? _campaign;

    /// <summary>This candidate's name in the Lease.</summary>
    public string Identity => o.Identity;

    /// <summary>The holder this candidate last read (itself included); null before its first look at the lease.</summary>
    public string? Leader { get; private set; }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RunAsync(stoppingToken);

    /// <summary>Campaigns until <paramref name="ct"/> is cancelled, then releases the lease if it holds it.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = WatchForReleaseAsync(stopWatching.Token);
        while (!ct.IsCancellationRequested)
        {
            var lease = new ReadReportingLock(new LeaseLock(kube, o.Namespace, o.LeaseName, o.Identity), holder =>
            {
                Leader = _seenByElector = holder;
                CampaignAgainIfReleased();
            });
            using var elector = new LeaderElector(new LeaderElectionConfig(lease)
            {
                LeaseDuration = o.LeaseDuration, RenewDeadline = o.RenewDeadline, RetryPeriod = o.RetryPeriod,
            });
            using var campaign = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task? lead = null;
            var workFailed = false;
            elector.OnStartedLeading += () =>
            {
                _isLeader = true;
                RuntimeMetrics.Leading(+1);
                log.LogInformation("{Identity} became leader of {Lease}", o.Identity, o.LeaseName);
                lead = LeadAsync(() =>
                {
                    workFailed = true;
                    try { campaign.Cancel(); } // ends the elector's renewals: the term is over
                    catch (ObjectDisposedException) { } // that campaign just ended anyway
                }, leading.Token);
            };
            elector.OnStoppedLeading += () => leading.Cancel();
            elector.OnError += e =>
            {
                // Not the calls a stop cancels.
                if (!ct.IsCancellationRequested) log.LogWarning("lease {Lease}: {Error}", o.LeaseName, e?.Message);
            };
            (_seenByElector, _campaign) = (null, campaign);
            Exception? failed = null;
            try { await elector.RunUntilLeadershipLostAsync(campaign.Token); }
            catch (OperationCanceledException) when (campaign.IsCancellationRequested) { } // stopping, released, or work failed
            catch (Exception e) { failed = e; } // the elector lets API errors of a campaign escape: campaign again
            _campaign = null;
            await campaign.CancelAsync(); // a renewal the elector gave up waiting for must not go on trying in the background
            await leading.CancelAsync();
            if (lead is not null)
            {
                await lead;
                _isLeader = false;
                RuntimeMetrics.Leading(-1);
                if (ct.IsCancellationRequested || workFailed) await ReleaseAsync();
                else log.LogWarning("{Identity} lost leadership of {Lease}", o.Identity, o.LeaseName);
            }
            if ((failed is not null || workFailed) && !ct.IsCancellationRequested)
            {
                if (failed is not null) log.LogWarning("lease {Lease}: {Error}", o.LeaseName, failed.Message);
                try { await Task.Delay(o.RetryPeriod, ct); }
                catch (OperationCanceledException) { break; }
            }
        }
        await stopWatching.CancelAsync();
        await watching;
    }

    async Task LeadAsync(Action endTerm, CancellationToken ct)
    {
        await Task.Yield(); // off the elector's callback
        await Task.WhenAll(work.Select(async w =>
        {
            try { await w.LeadAsync(ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            catch (Exception e)
            {
                log.LogError(e, "leader work {Work} failed: {Identity} ends its term and releases {Lease}",
                    w.GetType().Name, o.Identity, o.LeaseName);
                endTerm();
            }
        }));
    }

    /// <summary>
    /// A standby's elector, having read another holder, looks again only after its retry period. When the Lease watch shows
    /// the lease released meanwhile, this ends that campaign so that the next elector's first attempt takes it at once.
    /// Once per release the watch shows (a stale watch cannot make it spin).
    /// </summary>
    void CampaignAgainIfReleased()
    {
        if (_isLeader || !_leaseReleased || _seenByElector is not { Length: > 0 } seen || seen == o.Identity
            || _campaign is not { } campaign) return;
        _leaseReleased = false;
        log.LogInformation("{Identity}: lease {Lease} released by {Holder}, campaigning at once", o.Identity, o.LeaseName, seen);
        try { campaign.Cancel(); }
        catch (ObjectDisposedException) { } // that campaign just ended anyway
    }

    /// <summary>
    /// Follows the Lease's holder. Any error: retried; meanwhile the elector's own retries still take a free lease, later.
    /// </summary>
    async Task WatchForReleaseAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var (_, lease) in kube.CoordinationV1.WatchListNamespacedLeaseAsync(o.Namespace,
                                   fieldSelector: $"metadata.name={o.LeaseName}", timeoutSeconds: 300, cancellationToken: ct))
                {
                    _leaseReleased = string.IsNullOrEmpty(lease.Spec?.HolderIdentity);
                    CampaignAgainIfReleased();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogDebug("lease {Lease} watch: {Error}", o.LeaseName, e.Message);
                try { await Task.Delay(TimeSpan.FromSeconds(1), ct); }
                catch (OperationCanceledException) { return; }
            }
        }
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

    /// <summary>
    /// The elector's lock, reporting every holder it reads (the elector itself reports a new leader only after its retry wait).
    /// </summary>
    sealed class ReadReportingLock(ILock inner, Action<string?> read) : ILock
    {
        public string Identity => inner.Identity;
        public string Describe() => inner.Describe();
        public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken ct = default) => inner.CreateAsync(record, ct);
        public Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken ct = default) => inner.UpdateAsync(record, ct);

        public async Task<LeaderElectionRecord> GetAsync(CancellationToken ct = default)
        {
            var record = await inner.GetAsync(ct);
            read(record.HolderIdentity);
            return record;
        }
    }
}
