using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HTagKube.Kubernetes.Runtime;

/// <summary>
/// Registers the runtime in a service collection, as KubeOps' <c>AddKubernetesOperator()</c> does: informers, entity
/// controllers with their finalizers and owned kinds, and other leader-only work, all run by <see cref="Leadership"/>
/// (a hosted service) while this process holds the Lease. Needs an <see cref="IKubernetes"/> registered.
/// </summary>
public sealed class ControllerRuntimeBuilder
{
    internal ControllerRuntimeBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection the runtime registers into.</summary>
    public IServiceCollection Services { get; }

    /// <summary>A list + watch cache of one kind, shared by every component that asks for <see cref="Informer{T}"/>.</summary>
    public ControllerRuntimeBuilder AddInformer<T>(KubeKind<T> kind, Func<IServiceProvider, InformerOptions> options)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        Services.AddSingleton(sp => new Informer<T>(sp.GetRequiredService<IKubernetes>(), kind, options(sp),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger($"HTagKube.Informer.{kind.Kind}")));
        return this;
    }

    /// <summary>
    /// The controller of <typeparamref name="TEntity"/> (its informer must be added): reconciles by
    /// <typeparamref name="TController"/>, with the <see cref="IEntityFinalizer{TEntity}"/> registered, if any.
    /// </summary>
    public EntityControllerBuilder<TEntity> AddController<TEntity, TController>(KubeKind<TEntity> kind, ControllerOptions options)
        where TEntity : class, IKubernetesObject<V1ObjectMeta>
        where TController : class, IEntityController<TEntity>
    {
        var owned = new List<Action<IServiceProvider, EntityController<TEntity>>>();
        Services.AddSingleton<TController>();
        Services.AddSingleton(sp =>
        {
            var controller = new EntityController<TEntity>(sp.GetRequiredService<IKubernetes>(), kind,
                sp.GetRequiredService<Informer<TEntity>>(), sp.GetRequiredService<TController>(),
                sp.GetService<IEntityFinalizer<TEntity>>(), options,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger($"HTagKube.Controller.{kind.Kind}"));
            foreach (var own in owned) own(sp, controller);
            return controller;
        });
        Services.AddSingleton<ILeaderWork>(sp => sp.GetRequiredService<EntityController<TEntity>>());
        return new EntityControllerBuilder<TEntity>(this, owned);
    }

    /// <summary>Other work that runs only while leading (started and cancelled with each term).</summary>
    public ControllerRuntimeBuilder AddLeaderWork<TWork>() where TWork : class, ILeaderWork
    {
        Services.AddSingleton<TWork>();
        Services.AddSingleton<ILeaderWork>(sp => sp.GetRequiredService<TWork>());
        return this;
    }
}

/// <summary>What one controller watches besides its own kind, and its finalizer.</summary>
public sealed class EntityControllerBuilder<TEntity> where TEntity : class, IKubernetesObject<V1ObjectMeta>
{
    readonly List<Action<IServiceProvider, EntityController<TEntity>>> _owned;

    internal EntityControllerBuilder(ControllerRuntimeBuilder runtime, List<Action<IServiceProvider, EntityController<TEntity>>> owned) =>
        (Runtime, _owned) = (runtime, owned);

    /// <summary>The runtime, to register more.</summary>
    public ControllerRuntimeBuilder Runtime { get; }

    /// <summary>Objects of this kind (informer added) owned by a <typeparamref name="TEntity"/> re-reconcile their owner.</summary>
    public EntityControllerBuilder<TEntity> Owns<TOwned>() where TOwned : class, IKubernetesObject<V1ObjectMeta>
    {
        _owned.Add((sp, controller) => controller.Owns(sp.GetRequiredService<Informer<TOwned>>()));
        return this;
    }

    /// <summary>The finalizer the runtime adds to every object and runs before it goes.</summary>
    public EntityControllerBuilder<TEntity> WithFinalizer<TFinalizer>() where TFinalizer : class, IEntityFinalizer<TEntity>
    {
        Runtime.Services.AddSingleton<IEntityFinalizer<TEntity>, TFinalizer>();
        return this;
    }
}

/// <summary>Entry point of the runtime's registration.</summary>
public static class ControllerRuntimeServices
{
    /// <summary>
    /// Leadership as a hosted service, campaigning with <paramref name="election"/>; add informers, controllers and
    /// leader work to the returned builder.
    /// </summary>
    public static ControllerRuntimeBuilder AddControllerRuntime(this IServiceCollection services,
        Func<IServiceProvider, LeaderElectionOptions> election)
    {
        services.AddSingleton(sp => new Leadership(sp.GetRequiredService<IKubernetes>(), election(sp),
            sp.GetServices<ILeaderWork>(), sp.GetRequiredService<ILogger<Leadership>>()));
        services.AddHostedService(sp => sp.GetRequiredService<Leadership>());
        return new ControllerRuntimeBuilder(services);
    }
}
