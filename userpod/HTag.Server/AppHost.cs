using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>One mapped app: owns the user's current instance of it (one per app per user).</summary>
sealed class AppHost(string path, [DynamicallyAccessedMembers(InitArgs.AppMembers)] Type appType, Func<Tag> factory, AppOptions options,
    HTagServer server, RouteTemplatePath? route = null, bool byEndpoint = false)
{
    readonly Lock _lock = new();
    Instance? _current;
    Microsoft.Extensions.Logging.ILogger? _logger;

    /// <summary>The app's key: its mapped path or route template (the page's <c>data-htag-app</c>), or <c>@Type</c> for
    /// an app an endpoint renders.</summary>
    public string Path { get; } = path;

    /// <summary>Its route template when the mapped path has parameters.</summary>
    public RouteTemplatePath? Route { get; } = route;

    /// <summary>Rendered by an endpoint (<see cref="HttpContextExtensions.RenderAppAsync"/>): its pages cannot be rebuilt
    /// from their URL alone (the endpoint chose the app), so a lost instance reloads them.</summary>
    public bool ByEndpoint { get; } = byEndpoint;

    /// <summary>Which instance a page gets: the query for an exact path; the path and query when the path varies
    /// (route parameters, endpoint-rendered), so <c>/items/1</c> and <c>/items/2</c> are different instances.</summary>
    public string InstanceKey(string requestPath, string queryKey) => Route is null && !ByEndpoint ? queryKey : requestPath + queryKey;

    /// <summary>Largest WebSocket message or POST body for this app.</summary>
    public int MaxMessageBytes => options.MaxMessageBytes ?? server.Options.MaxMessageBytes;
    [DynamicallyAccessedMembers(InitArgs.AppMembers)]
    public Type AppType { get; } = appType;
    public bool HttpOnly => options.HttpOnly ?? server.Options.HttpOnly;
    public bool Parano => options.Parano ?? server.Options.Parano;
    /// <summary>This app's page policy with <c>{nonce}</c> for the page's nonce (fixed at start).</summary>
    string? _cspTemplate;

    public void FixContentSecurity() => _cspTemplate = ContentSecurity.Template(server.Options.ContentSecurity, options.ContentSecurity);

    /// <summary>The Content-Security-Policy of a page with this nonce.</summary>
    public string ContentSecurityPolicy(string nonce) =>
        (_cspTemplate ??= ContentSecurity.Template(server.Options.ContentSecurity, options.ContentSecurity))
            .Replace("{nonce}", nonce, StringComparison.Ordinal);

    public TimeSpan InteractionTimeout => options.InteractionTimeout ?? server.Options.InteractionTimeout;

    /// <summary>
    /// The instance for this query: the current one when the query is the same, else a new one, built (its Init run)
    /// off the request thread and outside the host's lock under the interaction timeout: null when Init did not
    /// return in time (the page gets an error, other apps and users carry on). Init's own exceptions propagate.
    /// </summary>
    public async Task<Instance?> GetOrCreateAsync(string queryKey, Request request, User user, CancellationToken ct)
    {
        var key = InstanceKey(request.Path, queryKey);
        lock (_lock)
        {
            if (_current is { Runtime.Exited: false, Dropped: false } c && c.QueryKey == key)
            {
                c.Runtime.User = user; // the router's latest word: a new sign-in may have changed groups
                return c;
            }
        }
        var created = await Deadline.RunAsync(server, InteractionTimeout, () => Task.FromResult(Create(key, queryKey, request, user)),
            $"Init of app {Path} ({AppType.Name})", ct,
            abandon: late => late.Drop(reload: false)).ConfigureAwait(false);
        if (created is null) return null;
        Instance? old;
        lock (_lock)
        {
            if (_current is { Runtime.Exited: false, Dropped: false } c && c.QueryKey == key)
            {
                // Another request for the same query won the race: keep its instance (the page it served uses it).
                old = created;
                created = c;
            }
            else
            {
                old = _current;
                _current = created;
            }
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

    Instance Create(string key, string queryKey, Request request, User user)
    {
        var root = factory();
        var runtime = new AppRuntime(root)
        {
            Debug = server.Options.Debug,
            Session = server.Session,
            Request = request,
            User = user,
            Logger = _logger ??= server.AppLogger(Path),
        };
        // After each interaction the session is stored (when a router keeps it), or the app hears why not.
        runtime.Persist = server.State.BeginWrite;
        var instance = new Instance(this, runtime, key, server);
        runtime.OnHandlerError = (tag, ev, ex) =>
            server.Logger.LogError(ex, "handler error in app {App} ({Type}) tag {Tag}#{Id} event {Event}",
                Path, AppType.Name, tag.GetType().Name, tag.Id, ev);
        runtime.Init(AppType, queryKey, request.RouteValues);
        return instance;
    }
}
