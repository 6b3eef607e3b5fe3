using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>One mapped app: owns the user's current instance of it (one per app per user).</summary>
internal sealed class AppHost(string path, [DynamicallyAccessedMembers(InitArgs.AppMembers)] Type appType, Func<Tag> factory, AppOptions options, HTagServer server)
{
    readonly Lock _lock = new();
    Instance? _current;

    public string Path { get; } = path;
    [DynamicallyAccessedMembers(InitArgs.AppMembers)]
    public Type AppType { get; } = appType;
    public bool HttpOnly => options.HttpOnly ?? server.Options.HttpOnly;
    public bool Parano => options.Parano ?? server.Options.Parano;

    /// <summary>The instance for this query: the current one when the query is the same, else a new one.</summary>
    public Instance GetOrCreate(string queryKey)
    {
        Instance? old;
        Instance created;
        lock (_lock)
        {
            if (_current is { Runtime.Exited: false, Dropped: false } c && c.QueryKey == queryKey) return c;
            old = _current;
            created = _current = Create(queryKey);
        }
        // Not a reload: two tabs with different queries would replace each other's instance forever.
        old?.Drop(reload: false);
        return created;
    }

    /// <summary>The live instance with this id, or null (replaced, exited, dropped, another process).</summary>
    public Instance? Find(string? instanceId)
    {
        lock (_lock)
        {
            return _current is { Runtime.Exited: false, Dropped: false } c && c.Runtime.InstanceId == instanceId ? c : null;
        }
    }

    /// <summary>Forgets <paramref name="instance"/> if it is the current one.</summary>
    public void Forget(Instance instance)
    {
        lock (_lock)
        {
            if (_current == instance) _current = null;
        }
        instance.Drop(reload: true);
    }

    /// <summary>Drops the current instance (warm-up's): the next page builds a fresh one.</summary>
    public void Reset()
    {
        Instance? old;
        lock (_lock)
        {
            old = _current;
            _current = null;
        }
        old?.Drop(reload: false);
    }

    Instance Create(string queryKey)
    {
        var root = factory();
        var runtime = new AppRuntime(root) { Debug = server.Options.Debug, Session = server.Session };
        var instance = new Instance(this, runtime, queryKey, server);
        runtime.OnHandlerError = (tag, ev, ex) =>
            server.Logger.LogError(ex, "handler error in app {App} ({Type}) tag {Tag}#{Id} event {Event}",
                Path, AppType.Name, tag.GetType().Name, tag.Id, ev);
        runtime.Init(AppType, queryKey);
        return instance;
    }
}
