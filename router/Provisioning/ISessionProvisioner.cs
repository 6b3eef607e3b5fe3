using HTagKube.Routing;

namespace HTagKube.Router.Provisioning;

/// <summary>
/// Makes sure a user has a running userpod and a published route. Local mode: <see cref="LocalProcessProvisioner"/>;
/// Kubernetes mode (router/Provisioning/Kubernetes*): creates an HTagSession and waits for the operator's route.
/// </summary>
public interface ISessionProvisioner : IAsyncDisposable
{
    /// <summary>
    /// The route of the user's session, starting one when needed. Concurrent calls for one user share one start
    /// (also across routers sharing a route table). The returned task is not tied to <paramref name="ct"/>'s
    /// caller: a caller that stops waiting (<c>WaitAsync</c>) leaves the start running for its retry.
    /// Throws <see cref="ProvisioningException"/> when the session cannot be started.
    /// </summary>
    /// <param name="userKey">The user (never the uid).</param>
    /// <param name="displayName">A signed-in person's name, which a session this call creates records (Kubernetes: the
    /// HTagSession's, shown by kubectl); null for anonymous users. Never the subject.</param>
    /// <param name="ct">Stops waiting.</param>
    Task<RouteEntry> EnsureSessionAsync(string userKey, string? displayName, CancellationToken ct);

    /// <summary>The user's route expired (idle): local mode stops the userpod; Kubernetes mode forgets it (the operator ends it).</summary>
    Task RouteExpiredAsync(string userKey, CancellationToken ct);

    /// <summary>True while a start for this user is in flight (its retries are not new sessions).</summary>
    bool IsStarting(string userKey);

    /// <summary>The route failed (connection refused): forget it so the next ensure starts a new session.</summary>
    Task RouteFailedAsync(string userKey, RouteEntry route, CancellationToken ct);

    /// <summary>Ends the user's session (userpod stopped, route removed). False when there was none here.</summary>
    Task<bool> EndSessionAsync(string userKey, CancellationToken ct);

    /// <summary>Sessions live or starting on this router (counted against the session cap).</summary>
    int LiveSessions { get; }

    /// <summary>The sessions this router knows, for <c>/_htagkube/sessions</c>.</summary>
    IReadOnlyList<SessionInfo> ListSessions();
}

/// <summary>One session as listed by the admin endpoint (never the uid).</summary>
public sealed record SessionInfo(string UserKey, DateTimeOffset Since, int? Pid, string Endpoint, bool Adopted);

/// <summary>A session could not be started (spawn failure, timeout, route table down).</summary>
public sealed class ProvisioningException(string message, Exception? inner = null) : Exception(message, inner);
