namespace HTagKube.Router.Admission;

/// <summary>What admission decided for a new user.</summary>
public enum AdmissionResult
{
    /// <summary>The user may start a session; its place is reserved.</summary>
    Admitted,
    /// <summary>The live-session cap is reached (503).</summary>
    Full,
    /// <summary>The client used up its new sessions for this window (429).</summary>
    RateLimited,
}

/// <summary>
/// Decides, in one atomic step, whether a new user may start a session: the live-session cap and the per-client
/// new-session rate limit (docs/design.md §6). A session is live while its route is in the route table or its
/// start reservation lasts: from admission until the start is over, at most <see cref="AdmissionLimits.Reservation"/>
/// (a router that dies mid-start holds the place only that long).
/// Implementations: <see cref="InMemorySessionAdmission"/> (one router) and <see cref="RedisSessionAdmission"/>
/// (the whole deployment). Store errors surface as <see cref="HTagKube.Routing.RouteTableUnavailableException"/>.
/// </summary>
public interface ISessionAdmission
{
    /// <summary>
    /// Admits a new user and reserves its place, or refuses it (cap first, then the client's rate). A user that
    /// already has a route or a live reservation (its session is being started, by any router) is admitted
    /// without counting again.
    /// </summary>
    /// <param name="userKey">The user (never the uid).</param>
    /// <param name="clientKey">The client's rate-limit key (<see cref="ClientKey"/>: a hash, never the IP itself).</param>
    /// <param name="ct">Gives up the decision (nothing is reserved then).</param>
    Task<AdmissionResult> AdmitAsync(string userKey, string clientKey, CancellationToken ct);

    /// <summary>Reserves a place for an existing user whose session is being replaced: never refused, never rate-limited.</summary>
    Task KeepAsync(string userKey, CancellationToken ct);

    /// <summary>
    /// The user's start is over, succeeded or not: from now on it counts only while its route exists, so an ended or
    /// failed session frees its place at once.
    /// </summary>
    Task StartEndedAsync(string userKey, CancellationToken ct);
}
