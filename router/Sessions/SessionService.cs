using System.Diagnostics;
using HTagKube.Router.Admission;
using HTagKube.Router.Hosting;
using HTagKube.Router.Identity;
using HTagKube.Router.Metrics;
using HTagKube.Router.Provisioning;
using HTagKube.Router.Proxy;
using HTagKube.Router.State;
using HTagKube.Routing;

namespace HTagKube.Router.Sessions;

/// <summary>
/// The one owner of a user's session as the router sees it: find its route, open one (admission, then the
/// provisioner, within <c>--start-wait</c>), replace a dead one, end one (logout, the admin endpoint) and forget one
/// (ended, or its route expired). Every path that ends a session clears the same state: the route cache and the
/// activity clock. Only an end by the user's or an admin's will (<see cref="EndByWillAsync"/>) deletes the user's
/// durable state document; an idle expiry, a dead userpod or a dev rebuild keep it, for the next userpod.
/// </summary>
public sealed class SessionService : IDisposable
{
    readonly RouterOptions _options;
    readonly IRouteTable _table;
    readonly RouteCache _routes;
    readonly ISessionProvisioner _provisioner;
    readonly ISessionAdmission _admission;
    readonly IStateStore _state;
    readonly ActivityTracker _activity;
    readonly BackgroundWork _background;
    readonly RouterMetrics _metrics;
    readonly ILogger _log;

    /// <summary>Creates the service; it follows route expiry from now on.</summary>
    public SessionService(RouterOptions options, IRouteTable table, RouteCache routes, ISessionProvisioner provisioner,
        ISessionAdmission admission, IStateStore state, ActivityTracker activity, BackgroundWork background,
        RouterMetrics metrics, ILogger<SessionService> log)
    {
        (_options, _table, _routes, _provisioner, _admission, _state) = (options, table, routes, provisioner, admission, state);
        (_activity, _background, _metrics, _log) = (activity, background, metrics, log);
        _table.RouteExpired += OnRouteExpired;
    }

    /// <summary>The user's published route, or null (cached briefly in front of a remote table).</summary>
    public ValueTask<RouteEntry?> FindAsync(string userKey, CancellationToken ct) => _routes.GetAsync(userKey, ct);

    /// <summary>
    /// Starts the user's session and waits for its route at most <c>--start-wait</c> since <paramref name="waitingSince"/>
    /// (the request's first start: one request waits that long in all, whatever number of dead routes it replaces). A new
    /// user is admitted first (the cap and the per-client rate, reserved in the same atomic step); a user whose route is
    /// being replaced is never refused. Null when the request was answered instead (a page: full, rate-limited, starting,
    /// failed).
    /// </summary>
    public async Task<RouteEntry?> OpenAsync(HttpContext ctx, RouterUser user, bool replacing, long waitingSince)
    {
        if (!await AdmitAsync(ctx, user.UserKey, replacing)) return null;
        var wait = _options.StartWait - Stopwatch.GetElapsedTime(waitingSince);
        var starting = _provisioner.EnsureSessionAsync(user.UserKey, user.DisplayName, CancellationToken.None);
        // When the start is over (either way, also when this request stops waiting), the user counts only while its
        // route exists.
        _background.Run("end of a start reservation", ct => EndReservationAsync(user.UserKey, starting, ct));
        try
        {
            var route = await starting.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, ctx.RequestAborted);
            _routes.Set(user.UserKey, route);
            _activity.MarkFresh(user.UserKey);
            return route;
        }
        catch (TimeoutException)
        {
            await Pages.WriteStartingAsync(ctx);
        }
        catch (ProvisioningException e)
        {
            _log.LogWarning("session of {UserKey} could not be started: {Error}", user.UserKey, e.Message);
            await Pages.WriteUnavailableAsync(ctx, "Your session could not be started; retry shortly.");
        }
        return null;
    }

    /// <summary>
    /// Starts the user's session without a waiting request (a dead route that could not be replaced in time): it is
    /// ready for the browser's retry. The user is who it is: a person's session keeps its display name.
    /// </summary>
    public void OpenInBackground(RouterUser user) =>
        _background.Run("session start for a retry",
            _ => _provisioner.EnsureSessionAsync(user.UserKey, user.DisplayName, CancellationToken.None));

    /// <summary>The route refused connections: forget it, so the next open starts a new session.</summary>
    public async Task RouteFailedAsync(string userKey, RouteEntry route, CancellationToken ct)
    {
        _metrics.DeadRoute();
        _log.LogWarning("route of {UserKey} at {Endpoint} refused the connection; replacing it", userKey, route.Endpoint);
        _routes.Invalidate(userKey);
        try { await _provisioner.RouteFailedAsync(userKey, route, ct); }
        catch (RouteTableUnavailableException) { _metrics.RouteTableError(); }
    }

    /// <summary>
    /// Ends the user's session (userpod stopped or HTagSession ended), keeping its durable state (a dev rebuild: the
    /// next userpod picks it up). False when there was none.
    /// </summary>
    public async Task<bool> EndAsync(string userKey, CancellationToken ct)
    {
        var ended = await _provisioner.EndSessionAsync(userKey, ct);
        Forget(userKey);
        return ended;
    }

    /// <summary>
    /// Ends the user's session by the user's or an admin's will (logout, <c>DELETE /_htagkube/sessions/{userKey}</c>):
    /// the userpod, and its durable state document with it (the state outlives a userpod only for a next one of the
    /// same session). The document goes first, so a userpod still running cannot be the last to have read it. False
    /// when there was neither a session nor a document.
    /// </summary>
    public async Task<bool> EndByWillAsync(string userKey, CancellationToken ct)
    {
        var deleted = await _state.DeleteAsync(userKey, ct);
        var ended = await EndAsync(userKey, ct);
        // A write of the ending userpod may have raced the first delete.
        deleted |= await _state.DeleteAsync(userKey, ct);
        return ended || deleted;
    }

    /// <summary>Forgets what the router holds of a user's session: its cached route and its activity clock.</summary>
    public void Forget(string userKey)
    {
        _activity.Forget(userKey);
        _routes.Invalidate(userKey);
    }

    void OnRouteExpired(string userKey)
    {
        Forget(userKey);
        _background.Run("expiry of a route", ct => _provisioner.RouteExpiredAsync(userKey, ct));
    }

    async Task<bool> AdmitAsync(HttpContext ctx, string userKey, bool replacing)
    {
        var admitted = AdmissionResult.Admitted;
        try
        {
            if (replacing) await _admission.KeepAsync(userKey, ctx.RequestAborted);
            else admitted = await _admission.AdmitAsync(userKey, ClientKey.Of(ctx.Connection.RemoteIpAddress), ctx.RequestAborted);
        }
        catch (RouteTableUnavailableException e)
        {
            _metrics.RouteTableError();
            _log.LogWarning("admission unavailable for {UserKey}: {Error}", userKey, e.Message);
            await Pages.WriteUnavailableAsync(ctx, "Sessions are briefly unavailable; retry shortly.");
            return false;
        }
        switch (admitted)
        {
            case AdmissionResult.Full:
                _metrics.RejectedByCap();
                _log.LogWarning("session cap {Cap} reached; refusing {UserKey}", _options.MaxSessions, userKey);
                await Pages.WriteFullAsync(ctx);
                return false;
            case AdmissionResult.RateLimited:
                _metrics.RejectedByRate();
                _log.LogWarning("new-session rate limit hit by a client; refusing {UserKey}", userKey);
                await Pages.WriteRateLimitedAsync(ctx);
                return false;
            default:
                return true;
        }
    }

    async Task EndReservationAsync(string userKey, Task<RouteEntry> starting, CancellationToken ct)
    {
        // Stopping: the reservation expires by itself, as when a router dies mid-start.
        try { await starting.WaitAsync(ct); }
        catch (Exception e) when (e is not OperationCanceledException) { /* the waiting request reports it */ }
        try { await _admission.StartEndedAsync(userKey, ct); }
        catch (RouteTableUnavailableException e)
        {
            _log.LogWarning("reservation of {UserKey} left to expire: {Error}", userKey, e.Message);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _table.RouteExpired -= OnRouteExpired;
}
