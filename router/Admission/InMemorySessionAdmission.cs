using HTagKube.Routing;

namespace HTagKube.Router.Admission;

/// <summary>
/// Admission within one router (local mode, in-memory route table): the same rules as
/// <see cref="RedisSessionAdmission"/>, made atomic by one async lock.
/// </summary>
public sealed class InMemorySessionAdmission(IRouteTable routes, AdmissionLimits limits) : ISessionAdmission
{
    readonly SemaphoreSlim _lock = new(1, 1);
    readonly Dictionary<string, long> _reserved = new(StringComparer.Ordinal); // userKey → reservation end (ms)
    readonly Dictionary<string, (long WindowEnd, int Count)> _clients = new(StringComparer.Ordinal);

    static long Now => Environment.TickCount64;

    /// <inheritdoc />
    public async Task<AdmissionResult> AdmitAsync(string userKey, string clientKey, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var now = Now;
            if (await routes.GetAsync(userKey, ct) is not null)
            {
                _reserved[userKey] = now + (long)limits.Reservation.TotalMilliseconds;
                return AdmissionResult.Admitted;
            }
            if (_reserved.TryGetValue(userKey, out var mine) && mine > now) return AdmissionResult.Admitted;

            var live = 0;
            foreach (var (user, until) in _reserved.ToArray())
            {
                if (until > now || await routes.GetAsync(user, ct) is not null) live++;
                else _reserved.Remove(user);
            }
            if (live >= limits.MaxSessions) return AdmissionResult.Full;

            if (_clients.Count > 10_000) // forget finished windows now and then; bounded by active clients
                foreach (var (key, w) in _clients.ToArray()) if (w.WindowEnd <= now) _clients.Remove(key);
            var window = _clients.TryGetValue(clientKey, out var w0) && w0.WindowEnd > now
                ? w0
                : (now + (long)limits.Window.TotalMilliseconds, 0);
            if (window.Item2 >= limits.SessionsPerClient) return AdmissionResult.RateLimited;
            _clients[clientKey] = (window.Item1, window.Item2 + 1);

            _reserved[userKey] = now + (long)limits.Reservation.TotalMilliseconds;
            return AdmissionResult.Admitted;
        }
        finally { _lock.Release(); }
    }

    /// <inheritdoc />
    public async Task KeepAsync(string userKey, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try { _reserved[userKey] = Now + (long)limits.Reservation.TotalMilliseconds; }
        finally { _lock.Release(); }
    }

    /// <inheritdoc />
    public async Task StartEndedAsync(string userKey, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            if (await routes.GetAsync(userKey, ct) is null) _reserved.Remove(userKey);
            else if (_reserved.ContainsKey(userKey)) _reserved[userKey] = Now;
        }
        finally { _lock.Release(); }
    }
}
