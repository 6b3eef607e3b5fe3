using HTagKube.Router.Provisioning;

namespace HTagKube.Router.Hosting;

/// <summary>
/// Chooses the session provisioner from the options, once: local processes by default; <c>--kubernetes</c> is the
/// plug-in point for the Kubernetes provisioner (router/Provisioning/Kubernetes*).
/// </summary>
public static class ProvisionerSelection
{
    /// <summary>Registers the <see cref="ISessionProvisioner"/> for the selected mode, and its work at start.</summary>
    public static void AddProvisioner(IServiceCollection services, RouterOptions options)
    {
        if (options.Kubernetes)
        {
            KubernetesProvisioning.Add(services, options);
            return;
        }

        var command = options.UserpodCommand is { } cmd ? UserpodCommand.Parse(cmd) : UserpodCommand.Default();
        services.AddSingleton(sp => new UserpodLauncher(
            command.WithIdleTimeout(options.IdleTimeout),
            sp.GetRequiredService<HttpMessageInvoker>(),
            detach: options.KeepUserpods,
            sp.GetRequiredService<ILogger<UserpodLauncher>>()));
        services.AddSingleton<LocalProcessProvisioner>();
        services.AddSingleton<ISessionProvisioner>(sp => sp.GetRequiredService<LocalProcessProvisioner>());
        services.AddHostedService<LocalUserpodsStartup>();
    }
}
