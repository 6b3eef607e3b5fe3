using HTagKube.Contract;
using System.Collections.Concurrent;
using HTagKube.Routing.Identity;
using HTagKube.Routing;
using HTagKube.Api.V1Alpha1;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Router.Provisioning;

/// <summary>Settings of the Kubernetes provisioner (see <see cref="KubernetesProvisioning"/>).</summary>
public sealed record KubernetesProvisionerOptions
{
    /// <summary>Namespace of the HTagSessions (the operator's).</summary>
    public required string Namespace { get; init; }

    /// <summary>spec.image of new sessions; null = the operator's default.</summary>
    public string? Image { get; init; }

    /// <summary>spec.idleTimeoutSeconds of new sessions (the route TTL the operator publishes).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long one start may take (session created → route published) before it fails.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Route polling interval while a session starts.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a route that refused a connection is distrusted (the operator replaces it meanwhile).</summary>
    public TimeSpan SuspectFor { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Kubernetes mode: a user's session is an HTagSession (created idempotently: 409 = it exists); the operator
/// turns it into a pod and publishes the route in the shared route table, which this provisioner waits for.
/// The router never creates or deletes routes in this mode (the operator owns them); it only moves their expiry:
/// activity pushes it (ActivityTracker), and ending a session without the right to delete HTagSessions makes it now.
/// </summary>
public sealed class KubernetesSessionProvisioner(
    IKubernetes kube, IRouteTable routes, KubernetesProvisionerOptions options, ILogger<KubernetesSessionProvisioner> log,
    WarmPodTaker? warmPods = null)
    : ISessionProvisioner
{
    readonly SingleFlight<RouteEntry> _starting = new();
    readonly ConcurrentDictionary<string, SessionInfo> _known = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, (RouteEntry Route, DateTimeOffset Until)> _suspect = new(StringComparer.Ordinal);
    readonly CancellationTokenSource _stopping = new();

    string Namespace => options.Namespace;

    /// <inheritdoc />
    public int LiveSessions => _known.Count + _starting.Keys.Count(k => !_known.ContainsKey(k));

    /// <inheritdoc />
    public bool IsStarting(string userKey) => _starting.IsRunning(userKey);

    /// <inheritdoc />
    public IReadOnlyList<SessionInfo> ListSessions() => [.. _known.Values];

    /// <summary><see cref="EnsureSessionAsync(string, string, CancellationToken)"/> for an anonymous user (no display name).</summary>
    public Task<RouteEntry> EnsureSessionAsync(string userKey, CancellationToken ct) => EnsureSessionAsync(userKey, null, ct);

    /// <inheritdoc />
    public async Task<RouteEntry> EnsureSessionAsync(string userKey, string? displayName, CancellationToken ct)
    {
        if (!UserKey.IsWellFormed(userKey)) throw new ArgumentException("not a userKey", nameof(userKey));
        if (await UsableRouteAsync(userKey, ct) is { } route) return Remember(userKey, route);
        // Concurrent requests of one user share one start, which outlives any one caller.
        return await _starting.RunAsync(userKey, key => StartAsync(key, displayName)).WaitAsync(ct);
    }

    async Task<RouteEntry> StartAsync(string userKey, string? displayName)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(options.StartTimeout);
        try { return Remember(userKey, await CreateAndWaitAsync(userKey, displayName, timeout.Token)); }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new ProvisioningException(
                $"session {SessionNames.ForUserKey(userKey)} not ready within {options.StartTimeout.TotalSeconds:F0}s");
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or RouteTableUnavailableException)
        {
            throw new ProvisioningException($"session {SessionNames.ForUserKey(userKey)}: {e.Message}", e);
        }
    }

    async Task<RouteEntry> CreateAndWaitAsync(string userKey, string? displayName, CancellationToken ct)
    {
        var name = SessionNames.ForUserKey(userKey);
        var created = false;
        // A warm-pool claim publishes the route within ~100 ms: poll fast first, then back off to PollInterval.
        var delay = TimeSpan.FromMilliseconds(Math.Min(5, options.PollInterval.TotalMilliseconds));
        var offerTried = false;
        while (true)
        {
            if (await UsableRouteAsync(userKey, ct) is { } route) return route;
            if (!offerTried)
            {
                // First a warm pod the operator offers; only once: later turns wait for a session that exists.
                offerTried = true;
                if (await TakeWarmPodAsync(userKey, name, displayName, ct) is { } taken) return taken;
            }
            if (!created && !(created = await CreateAsync(userKey, name, displayName, null, ct)))
            {
                // It exists (another router or request was first, or an earlier session): read it only then, so a new
                // user costs the API one request, not a read before every create.
                HTagSession? existing;
                try { existing = await kube.ReadSessionAsync(Namespace, name, ct); }
                catch (HttpOperationException e) when (e.Response?.StatusCode == System.Net.HttpStatusCode.NotFound) { existing = null; }
                if (existing is null) { } // gone since: create again on the next turn
                else if (existing.Spec.UserKey != userKey)
                    throw new ProvisioningException($"session {name} belongs to another userKey (prefix collision)");
                else if (existing.Metadata.DeletionTimestamp is null) created = true; // exists: wait for its route
                // else: the previous session is being torn down (idle expiry); create anew once it is gone.
            }
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(options.PollInterval.TotalMilliseconds, delay.TotalMilliseconds * 1.5));
        }
    }

    /// <summary>
    /// A new user's way around the operator's claim: a warm pod the operator offers is taken, the HTagSession created naming
    /// it, and the route to it published here; the operator hands that pod to the session afterwards. Null when none is
    /// offered (or the session image is not the operator's), or when the user has a session already (409: the pod is
    /// offered again).
    /// </summary>
    async Task<RouteEntry?> TakeWarmPodAsync(string userKey, string name, string? displayName, CancellationToken ct)
    {
        if (warmPods is null || options.Image is not null || await warmPods.TakeAsync(ct) is not { } offer) return null;
        if (!await CreateAsync(userKey, name, displayName, offer.Pod, ct))
        {
            await warmPods.GiveBackAsync(offer, ct); // the user has a session (a returning one): their pod is theirs
            return null;
        }
        var route = await warmPods.RouteAsync(userKey, offer, name, IdleTimeout, ct);
        log.LogInformation("HTagSession {Session}: routed to warm pod {Pod}", name, offer.Pod);
        return route;
    }

    /// <summary>spec.idleTimeoutSeconds of the sessions this router creates: the route's TTL.</summary>
    TimeSpan IdleTimeout => TimeSpan.FromSeconds(Math.Max(10, (int)options.IdleTimeout.TotalSeconds));

    /// <summary>Creates the session (naming the warm pod taken for it, if any); false when one of that name exists already (409).</summary>
    async Task<bool> CreateAsync(string userKey, string name, string? displayName, string? warmPod, CancellationToken ct)
    {
        try
        {
            await kube.CreateSessionAsync(new HTagSession
            {
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    NamespaceProperty = Namespace,
                    Labels = new Dictionary<string, string> { [KubernetesNames.UserLabel] = userKey },
                    Annotations = warmPod is null ? null : new Dictionary<string, string> { [KubernetesNames.WarmPodAnnotation] = warmPod },
                    // The operator's finalizer from birth: its runtime would otherwise add it in a write of its own before
                    // the first reconcile, on every new user's way to a page.
                    Finalizers = [KubernetesNames.RouteFinalizer],
                },
                Spec = new HTagSessionSpec
                {
                    UserKey = userKey, Image = options.Image, DisplayName = HTagSessionSpec.FitDisplayName(displayName),
                    IdleTimeoutSeconds = (int)IdleTimeout.TotalSeconds,
                },
            }, ct);
            log.LogInformation("created HTagSession {Session}", name);
            return true;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            return false; // it exists: the caller reads whose it is
        }
    }

    /// <summary>The published route, unless it is the one that just refused a connection.</summary>
    async Task<RouteEntry?> UsableRouteAsync(string userKey, CancellationToken ct)
    {
        var route = await routes.GetAsync(userKey, ct);
        if (route is null) return null;
        if (_suspect.TryGetValue(userKey, out var s))
        {
            // A new pod may reuse the IP; its route then differs by "since".
            if (s.Route.Endpoint == route.Endpoint && s.Route.Since == route.Since && s.Until > DateTimeOffset.UtcNow) return null;
            _suspect.TryRemove(userKey, out _);
        }
        return route;
    }

    RouteEntry Remember(string userKey, RouteEntry route)
    {
        _known[userKey] = new SessionInfo(userKey, route.Since, null, route.Endpoint, false);
        return route;
    }

    /// <inheritdoc />
    public Task RouteFailedAsync(string userKey, RouteEntry route, CancellationToken ct)
    {
        // The operator owns routes (a route vanishing in its epoch means "idle expired" to it), so the router
        // only stops trusting this endpoint; the pod's failure reaches the operator through its watch.
        _suspect[userKey] = (route, DateTimeOffset.UtcNow + options.SuspectFor);
        _known.TryRemove(userKey, out _);
        log.LogWarning("route of session {Session} refused a connection; waiting for the operator to replace it", route.Session);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<bool> EndSessionAsync(string userKey, CancellationToken ct)
    {
        _known.TryRemove(userKey, out _);
        try
        {
            var background = new V1DeleteOptions { PropagationPolicy = "Background" };
            return await kube.DeleteSessionAsync(Namespace, SessionNames.ForUserKey(userKey), background, ct);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            // The chart's RBAC lets the router only create/get sessions. The operator ends a session whose route
            // expires (the idle TTL), so expiring the route now ends it the same way: session, pod and Secret.
            var ended = await routes.TouchAsync(userKey, TimeSpan.FromMilliseconds(1), ct);
            log.LogInformation("HTagSession {Session}: route expired now for the operator to end it (RBAC: no delete){Missing}",
                SessionNames.ForUserKey(userKey), ended ? "" : "; it had no route yet");
            return ended;
        }
    }

    /// <inheritdoc />
    /// <remarks>The operator deletes the HTagSession whose route expired; the router only forgets it.</remarks>
    public Task RouteExpiredAsync(string userKey, CancellationToken ct)
    {
        _known.TryRemove(userKey, out _);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        // Sessions outlive the router (they are cluster resources); only in-flight waits stop.
        _stopping.Cancel();
        return ValueTask.CompletedTask;
    }
}
