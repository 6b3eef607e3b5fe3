using StackExchange.Redis;

namespace HTagKube.Routing;

/// <summary>
/// The one rule for Redis failures of every Redis user in a router or operator (route table, session admission): a
/// connection, timeout or disposal error becomes <see cref="RouteTableUnavailableException"/>, which callers answer
/// with a 503, never a crash.
/// </summary>
public static class RedisCalls
{
    /// <summary>Runs one Redis call; unavailability becomes <see cref="RouteTableUnavailableException"/>.</summary>
    public static async Task<T> Run<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw new RouteTableUnavailableException("redis: " + e.Message, e);
        }
    }

    /// <summary>A failure that means "Redis cannot be reached now" (not a bug of the caller).</summary>
    public static bool IsUnavailable(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;
}
