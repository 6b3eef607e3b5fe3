namespace HTagKube.Routing;

/// <summary>
/// Where one user's userpod answers (docs/design.md §5). Stored under <c>htagkube:route:{userKey}</c>.
/// </summary>
/// <param name="Endpoint"><c>ip:port</c> of the userpod (loopback in local mode, pod IP in Kubernetes).</param>
/// <param name="Session">HTagSession name in Kubernetes mode; <c>local:{pid}</c> in local mode.</param>
/// <param name="Token">The userpod's <c>HTAG_TOKEN</c>, sent by the router as <c>X-HTag-Token</c>.</param>
/// <param name="Since">When the route was first published.</param>
public sealed record RouteEntry(string Endpoint, string Session, string Token, DateTimeOffset Since)
{
    /// <summary>Prefix of <see cref="Session"/> for processes started by a local-mode router.</summary>
    public const string LocalSessionPrefix = "local:";

    /// <summary>The process id of a local-mode session, or null when the session is not local.</summary>
    public int? LocalPid =>
        Session.StartsWith(LocalSessionPrefix, StringComparison.Ordinal)
        && int.TryParse(Session.AsSpan(LocalSessionPrefix.Length), out var pid) ? pid : null;
}
