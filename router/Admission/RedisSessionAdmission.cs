using System.Globalization;
using HTagKube.Routing;
using StackExchange.Redis;

namespace HTagKube.Router.Admission;

/// <summary>
/// Admission for the whole deployment: one Lua script per decision on the route table's Redis (docs/design.md §5):
/// <c>htagkube:sessions</c> (sorted set, userKey → reservation end in Redis ms time) and
/// <c>htagkube:rate:{clientKey}</c> (counter of the current fixed window, expiring with it). A member counts while
/// its route exists or its reservation lasts; members with neither are removed as the script meets them.
/// Route keys are read by name inside the script, so it needs a single Redis (not Redis Cluster), as the table does.
/// </summary>
public sealed class RedisSessionAdmission(IConnectionMultiplexer redis, AdmissionLimits limits) : ISessionAdmission
{
    // ARGV: route prefix, userKey, cap, per-client limit, reservation ms, window ms, mode ('new' | 'keep').
    // Returns 0 admitted, 1 full, 2 rate-limited.
    const string AdmitScript = """
        local prefix, user = ARGV[1], ARGV[2]
        local cap, perClient = tonumber(ARGV[3]), tonumber(ARGV[4])
        local reserve, window = tonumber(ARGV[5]), tonumber(ARGV[6])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        if ARGV[7] == 'keep' or redis.call('EXISTS', prefix .. user) == 1 then
          redis.call('ZADD', KEYS[1], now + reserve, user)
          return 0
        end
        local mine = redis.call('ZSCORE', KEYS[1], user)
        if mine and tonumber(mine) > now then return 0 end
        local live = redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
        local ended = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
        for _, member in ipairs(ended) do
          if redis.call('EXISTS', prefix .. member) == 1 then live = live + 1
          else redis.call('ZREM', KEYS[1], member) end
        end
        if live >= cap then return 1 end
        if tonumber(redis.call('GET', KEYS[2]) or '0') >= perClient then return 2 end
        if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], window) end
        redis.call('ZADD', KEYS[1], now + reserve, user)
        return 0
        """;

    // ARGV: route prefix, userKey. The reservation ends now: the member counts only while its route exists.
    const string StartEndedScript = """
        if redis.call('EXISTS', ARGV[1] .. ARGV[2]) == 0 then return redis.call('ZREM', KEYS[1], ARGV[2]) end
        local t = redis.call('TIME')
        return redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[2])
        """;

    readonly IDatabase _db = redis.GetDatabase();

    /// <inheritdoc />
    public async Task<AdmissionResult> AdmitAsync(string userKey, string clientKey, CancellationToken ct) =>
        (long)await RunAsync(userKey, RouteKeys.Rate(clientKey), "new") switch
        {
            0 => AdmissionResult.Admitted,
            1 => AdmissionResult.Full,
            _ => AdmissionResult.RateLimited,
        };

    /// <inheritdoc />
    /// <remarks>No counter: the script returns before it.</remarks>
    public Task KeepAsync(string userKey, CancellationToken ct) => RunAsync(userKey, RouteKeys.Admitted, "keep");

    /// <inheritdoc />
    public Task StartEndedAsync(string userKey, CancellationToken ct)
    {
        RouteKeys.Route(userKey); // validates: only userKeys become members
        return RedisCalls.Run(() => _db.ScriptEvaluateAsync(StartEndedScript, [RouteKeys.Admitted], [RouteKeys.RoutePrefix, userKey]));
    }

    Task<RedisResult> RunAsync(string userKey, string rateKey, string mode)
    {
        RouteKeys.Route(userKey);
        return RedisCalls.Run(() => _db.ScriptEvaluateAsync(AdmitScript, [RouteKeys.Admitted, rateKey],
        [
            RouteKeys.RoutePrefix, userKey, limits.MaxSessions, limits.SessionsPerClient,
            Ms(limits.Reservation), Ms(limits.Window), mode,
        ]));
    }

    static string Ms(TimeSpan t) => ((long)Math.Max(1, t.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
}
