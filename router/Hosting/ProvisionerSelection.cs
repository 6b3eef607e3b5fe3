using HTagKube.Routing;
using HTagKube.Router.Provisioning;

namespace HTagKube.Router.Hosting;

/// <summary>
/// Chooses the session provisioner from the options: local processes by default; <c>--kubernetes</c> is the
/// plug-in point for the Kubernetes provisioner (router/Provisioning/Kubernetes*).
/// </summary>
public static class ProvisionerSelection
{
    /// <summary>Registers the <see cref="ISessionProvisioner"/> for the selected mode.</summary>
    public static void AddProvisioner(IServiceCollection services, RouterOptions options)
    {
        if (options.Kubernetes)
        {
            KubernetesProvisioning.Add(services, options);
            return;
        }

        services.AddSingleton(sp => new UserpodLauncher(
            (options.UserpodCommand is { } cmd ? UserpodCommand.Parse(cmd) : UserpodCommand.Default()).WithIdleTimeout(options.IdleTimeout),
            sp.GetRequiredService<HttpMessageInvoker>(),
            detach: options.KeepUserpods,
            sp.GetRequiredService<ILogger<UserpodLauncher>>()));
        services.AddSingleton<LocalProcessProvisioner>();
        services.AddSingleton<ISessionProvisioner>(sp => sp.GetRequiredService<LocalProcessProvisioner>());
    }

    /// <summary>Work before serving: re-adopt userpods a previous router left (shared route table only).</summary>
    public static async Task StartAsync(IServiceProvider services, RouterOptions options, CancellationToken ct)
    {
        if (services.GetRequiredService<ISessionProvisioner>() is LocalProcessProvisioner local)
        {
            if (options.Redis is not null) await local.AdoptAsync(ct);
            _ = local.RefillWarmPoolAsync();
        }
        _ = services.GetRequiredService<IRouteTable>();
    }
}
