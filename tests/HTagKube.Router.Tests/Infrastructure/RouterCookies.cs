using HTagKube.Router.Backend;
using HTagKube.Router.Identity;
using HTagKube.Router.Proxy;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>
/// The one way tests make uid cookies the router accepts: router-issued, i.e. sealed on the router's key ring (a planted,
/// unsealed uid is replaced, issue #14). Tests keep the uid itself to find the user's key, pid or token.
/// </summary>
public static class RouterCookies
{
    /// <summary>A <c>Cookie</c> header value carrying <paramref name="uid"/> as the router would have issued it.</summary>
    public static string Header(UidSeal seal, string uid) => $"{UidCookie.Name}={seal.Seal(uid)}";

    /// <summary>The value of the uid cookie in a <c>Set-Cookie</c> header.</summary>
    public static string ValueOf(string setCookie) =>
        setCookie[(UidCookie.Name.Length + 1)..].Split(';')[0];

    /// <summary>
    /// The seal of every router on this Redis: the key ring they share there, read by the test as a router does.
    /// Dispose the connection after use.
    /// </summary>
    public static async Task<(UidSeal Seal, IConnectionMultiplexer Redis)> SharedSealAsync(string redisConfiguration)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName(RouterBackend.KeyRingApplication)
            .PersistKeysToStackExchangeRedis(redis, RedisBackend.KeysRedisKey);
        var provider = services.BuildServiceProvider();
        return (new UidSeal(provider.GetRequiredService<IDataProtectionProvider>()), redis);
    }
}
