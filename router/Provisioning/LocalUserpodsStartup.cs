namespace HTagKube.Router.Provisioning;

/// <summary>
/// Local mode's work at start, owned by the host (cancelled and awaited when the router stops): take over the
/// userpods a previous router left in a shared route table, then fill the warm pool. A failure is logged; the
/// router serves anyway (users of unadopted userpods get new ones).
/// </summary>
public sealed class LocalUserpodsStartup(LocalProcessProvisioner provisioner, ILogger<LocalUserpodsStartup> log)
    : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await provisioner.AdoptAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            log.LogError(e, "userpods of a previous router were not re-adopted");
        }
        provisioner.StartWarmPool();
    }
}
