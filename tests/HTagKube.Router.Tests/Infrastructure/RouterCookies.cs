using HTagKube.Router.Identity;
using HTagKube.Router.Proxy;
using StackExchange.Redis;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>
/// The one way tests make uid cookies the router accepts: router-issued, i.e. signed with the router's key (a planted,
/// unsigned uid is replaced, issue #14). Tests keep the uid itself to find the user's key, pid or token.
/// </summary>
public static class RouterCookies
{
    /// <summary>A <c>Cookie</c> header value carrying <paramref name="uid"/> as the router would have issued it.</summary>
    public static string Header(UidSigner signer, string uid) => $"{UidCookie.Name}={signer.Issue(uid)}";

    /// <summary>The uid inside a cookie value the router issued (its part before the MAC).</summary>
    public static string UidOf(string value) => value.Split('.')[0];

    /// <summary>The key every router on this Redis signs with (created here when no router made it yet).</summary>
    public static async Task<UidSigner> SharedSignerAsync(string redisConfiguration)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return new UidSigner(await UidKeyStore.LoadAsync(redis, UidSigner.NewKey(), cts.Token));
    }
}
