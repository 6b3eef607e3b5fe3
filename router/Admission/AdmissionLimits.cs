namespace HTagKube.Router.Admission;

/// <summary>The limits admission enforces.</summary>
/// <param name="MaxSessions">Live sessions allowed in the deployment (Redis) or the router (in memory).</param>
/// <param name="SessionsPerClient">New sessions one client may create per <paramref name="Window"/>.</param>
/// <param name="Window">The rate limit's fixed window.</param>
/// <param name="Reservation">How long an admitted start holds its place before its route must exist.</param>
public sealed record AdmissionLimits(int MaxSessions, int SessionsPerClient, TimeSpan Window, TimeSpan Reservation);
