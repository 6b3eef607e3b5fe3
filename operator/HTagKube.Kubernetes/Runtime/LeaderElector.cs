using HTagKube.Kubernetes.Client;
using HTagKube.Kubernetes.Models;
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
/// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a lease is expired when its
/// record has not changed for LeaseDuration as observed by THIS process's clock (no cross-node clock
/// comparison); writes use the resourceVersion, so two candidates can never both win.
/// </summary>
public sealed class LeaderElector
{
    readonly IKubeClient _client;
    readonly LeaderElectionOptions _o;
    readonly ILogger _log;
    string? _observedRecord;
    DateTimeOffset _observedAt;
    volatile bool _isLeader;

    public LeaderElector(IKubeClient client, LeaderElectionOptions options, ILogger log)
    {
        _client = client;
        _o = options;
        _log = log;
    }

    public string Identity => _o.Identity;
    public bool IsLeader => _isLeader;

    /// <summary>
    /// Campaigns until <paramref name="ct"/> is cancelled; while leading runs <paramref name="lead"/> with a token
    /// that is cancelled when the lease is lost. On shutdown the lease is released for a fast hand-over.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!await TryAcquireOrRenewAsync(ct))
                {
                    await Task.Delay(_o.RetryPeriod, ct);
                    continue;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                _log.LogWarning("lease {Lease}: {Error}", _o.LeaseName, e.Message);
                try { await Task.Delay(_o.RetryPeriod, ct); } catch (OperationCanceledException) { break; }
                continue;
            }

            _isLeader = true;
            _log.LogInformation("{Identity} became leader of {Lease}", _o.Identity, _o.LeaseName);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var work = RunLeaderWorkAsync(lead, leading.Token);
            await RenewLoopAsync(leading.Token);
            _isLeader = false;
            leading.Cancel();
            await work;
            if (ct.IsCancellationRequested) await ReleaseAsync();
            else _log.LogWarning("{Identity} lost leadership of {Lease}", _o.Identity, _o.LeaseName);
        }
    }

    async Task RunLeaderWorkAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        try { await lead(ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e) { _log.LogError(e, "leader work failed"); }
    }

    /// <summary>Returns when the lease could not be renewed within RenewDeadline or on cancellation.</summary>
    async Task RenewLoopAsync(CancellationToken ct)
    {
        var lastRenew = DateTimeOffset.UtcNow;
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(_o.RetryPeriod, ct); }
            catch (OperationCanceledException) { return; }
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(_o.RenewDeadline);
                if (await TryAcquireOrRenewAsync(attempt.Token)) { lastRenew = DateTimeOffset.UtcNow; continue; }
                return; // someone else holds it now
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                _log.LogWarning("renew {Lease}: {Error}", _o.LeaseName, e.Message);
            }
            if (DateTimeOffset.UtcNow - lastRenew > _o.RenewDeadline) return;
        }
    }

    internal async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var lease = await _client.TryGetAsync(KubeResources.Leases, _o.Namespace, _o.LeaseName, ct);
        if (lease is null)
        {
            try
            {
                lease = await _client.CreateAsync(KubeResources.Leases, new Lease
                {
                    Metadata = new ObjectMeta { Name = _o.LeaseName, Namespace = _o.Namespace },
                    Spec = new LeaseSpec
                    {
                        HolderIdentity = _o.Identity, LeaseDurationSeconds = Seconds(_o.LeaseDuration),
                        AcquireTime = KubeTime.Micro(now), RenewTime = KubeTime.Micro(now), LeaseTransitions = 0,
                    },
                }, ct);
                Observe(lease, now);
                return true;
            }
            catch (KubeAlreadyExistsException) { return false; }
        }

        var spec = lease.Spec;
        var record = $"{spec.HolderIdentity}|{spec.RenewTime}|{spec.LeaseDurationSeconds}";
        if (record != _observedRecord) { _observedRecord = record; _observedAt = now; }
        var held = !string.IsNullOrEmpty(spec.HolderIdentity);
        var duration = spec.LeaseDurationSeconds is int s ? TimeSpan.FromSeconds(s) : _o.LeaseDuration;
        if (held && spec.HolderIdentity != _o.Identity && _observedAt + duration > now) return false;

        if (spec.HolderIdentity != _o.Identity)
        {
            spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
            spec.AcquireTime = KubeTime.Micro(now);
        }
        spec.HolderIdentity = _o.Identity;
        spec.LeaseDurationSeconds = Seconds(_o.LeaseDuration);
        spec.RenewTime = KubeTime.Micro(now);
        try
        {
            lease = await _client.ReplaceAsync(KubeResources.Leases, lease, ct);
            Observe(lease, now);
            return true;
        }
        catch (KubeConflictException) { return false; }
    }

    void Observe(Lease lease, DateTimeOffset now)
    {
        _observedRecord = $"{lease.Spec.HolderIdentity}|{lease.Spec.RenewTime}|{lease.Spec.LeaseDurationSeconds}";
        _observedAt = now;
    }

    /// <summary>Give the lease up (empty holder, 1 s duration) so a standby takes over without waiting.</summary>
    async Task ReleaseAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var lease = await _client.TryGetAsync(KubeResources.Leases, _o.Namespace, _o.LeaseName, cts.Token);
            if (lease?.Spec.HolderIdentity != _o.Identity) return;
            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = KubeTime.Micro(DateTimeOffset.UtcNow);
            await _client.ReplaceAsync(KubeResources.Leases, lease, cts.Token);
            _log.LogInformation("{Identity} released {Lease}", _o.Identity, _o.LeaseName);
        }
        catch (Exception e) when (e is KubeApiException or OperationCanceledException or HttpRequestException)
        {
            _log.LogWarning("release {Lease}: {Error}", _o.LeaseName, e.Message);
        }
    }

    static int Seconds(TimeSpan t) => Math.Max(1, (int)Math.Ceiling(t.TotalSeconds));
}
