using StackExchange.Redis;

namespace HTagKube.Router.Identity;

/// <summary>
/// Where the uid-cookie MAC key comes from. With Redis (every Kubernetes deployment, multi-router local mode): one
/// key for all routers, created once atomically (SET NX) by whichever router starts first and read by the rest; after
/// a Redis data loss each router re-asserts the key it signs with (SET NX again), and one that finds another key
/// adopts it while still accepting its own. Without Redis: a random key per router process, because the in-memory
/// route table and its userpods end with the process too, so no cookie could outlive anything it reaches.
/// </summary>
public static class UidKeyStore
{
    /// <summary>The Redis key holding the MAC key (base64). A secret; the uid itself is never stored.</summary>
    public const string RedisKey = "htagkube:uid-mac-key";

    /// <summary>A signer with a key private to this process.</summary>
    public static UidSigner Local() => new(UidSigner.NewKey());

    /// <summary>
    /// A signer with the key shared through Redis (created when absent), re-asserted on every reconnect. A router that
    /// starts while Redis is unreachable (it starts anyway, answering 503 to new sessions) signs with a key of its own
    /// until it reaches Redis, then adopts the shared one.
    /// </summary>
    public static async Task<UidSigner> SharedAsync(IConnectionMultiplexer redis, TimeSpan startWait)
    {
        var signer = new UidSigner(UidSigner.NewKey());
        redis.ConnectionRestored += (_, _) => _ = AssertAsync(redis, signer, TimeSpan.FromSeconds(30));
        var first = AssertAsync(redis, signer, TimeSpan.FromMinutes(10));
        await Task.WhenAny(first, Task.Delay(startWait));
        return signer;
    }

    /// <summary>Stores <paramref name="candidate"/> unless a key exists; returns the stored key.</summary>
    public static async Task<byte[]> LoadAsync(IConnectionMultiplexer redis, byte[] candidate, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        while (true)
        {
            await db.StringSetAsync(RedisKey, Convert.ToBase64String(candidate), when: When.NotExists).WaitAsync(ct);
            var stored = await db.StringGetAsync(RedisKey).WaitAsync(ct);
            if (stored.HasValue && TryDecode(stored.ToString()) is { } key) return key;
            // A value of the wrong shape (written by hand?) is replaced, never trusted.
            await db.KeyDeleteAsync(RedisKey).WaitAsync(ct);
        }
    }

    // Until it succeeds or the deadline passes (Redis still down: the next reconnect tries again).
    static async Task AssertAsync(IConnectionMultiplexer redis, UidSigner signer, TimeSpan deadline)
    {
        using var cts = new CancellationTokenSource(deadline);
        while (!cts.IsCancellationRequested)
        {
            try
            {
                signer.Adopt(await LoadAsync(redis, signer.Key, cts.Token));
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
            {
                try { await Task.Delay(TimeSpan.FromMilliseconds(500), cts.Token); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    static byte[]? TryDecode(string value)
    {
        var bytes = new byte[UidSigner.KeyBytes + 3];
        return Convert.TryFromBase64String(value, bytes, out var n) && n == UidSigner.KeyBytes ? bytes[..n] : null;
    }
}
