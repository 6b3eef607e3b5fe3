using System.Net;
using HTagKube.Router.Hosting;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Protection;

/// <summary>
/// <c>--trusted-proxies</c>: behind an Ingress every connection comes from the proxy. Its X-Forwarded-For names the
/// client, and is believed only from a listed hop; a client's own header never is.
/// </summary>
public sealed class TrustedProxiesTests
{
    /// <summary>A browser behind the proxy: the proxy (this loopback connection) appends what it saw.</summary>
    static HttpClient Behind(RouterHost router, string forwardedFor, string? proto = null)
    {
        var c = router.NewClient();
        c.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        if (proto is not null) c.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-Proto", proto);
        return c;
    }

    static async Task<ILookup<string, string>> HeadersSeenByTheUserpodAsync(HttpClient c)
    {
        var text = await c.GetStringAsync("headers");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(": ", 2)).ToLookup(p => p[0].ToLowerInvariant(), p => p[1]);
    }

    [Fact]
    public async Task Without_trusted_proxies_a_clients_own_X_Forwarded_For_does_not_escape_the_per_ip_limit()
    {
        await using var router = await RouterHost.StartAsync("--sessions-per-ip-per-minute", "2");
        using var a = Behind(router, "203.0.113.1");
        using var b = Behind(router, "203.0.113.2");
        using var c = Behind(router, "203.0.113.3");
        await Whoami.GetAsync(a);
        Assert.Equal("127.0.0.1", (await HeadersSeenByTheUserpodAsync(b))["x-forwarded-for"].Single());
        Assert.Equal(HttpStatusCode.TooManyRequests, (await c.GetAsync("whoami")).StatusCode);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_client_has_its_own_limit_and_the_userpod_sees_the_client()
    {
        await using var router = await RouterHost.StartAsync("--sessions-per-ip-per-minute", "2", "--trusted-proxies", "127.0.0.1");
        using var a1 = Behind(router, "203.0.113.1");
        using var a2 = Behind(router, "203.0.113.1");
        using var b1 = Behind(router, "203.0.113.2", proto: "https");
        using var b2 = Behind(router, "203.0.113.2");
        await Whoami.GetAsync(a1);
        await Whoami.GetAsync(a2);
        var seen = await HeadersSeenByTheUserpodAsync(b1);
        Assert.Equal("203.0.113.2", seen["x-forwarded-for"].Single());
        Assert.Equal("https", seen["x-forwarded-proto"].Single());
        await Whoami.GetAsync(b2);
        Assert.Equal(4, router.Provisioner.LiveSessions);

        using var a3 = Behind(router, "203.0.113.1");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await a3.GetAsync("whoami")).StatusCode);
    }

    [Fact]
    public async Task Https_at_a_trusted_proxy_gives_a_secure_uid_cookie()
    {
        await using var router = await RouterHost.StartAsync("--trusted-proxies", "127.0.0.0/8");
        using var user = Behind(router, "203.0.113.9", proto: "https");
        var res = await user.GetAsync("whoami");
        var cookie = res.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("htagkube_uid=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_forged_entry_before_the_trusted_hops_is_not_believed()
    {
        // Load balancer 10.1.2.3 (trusted) → ingress 127.0.0.1 (trusted) → router. The client typed its own
        // X-Forwarded-For: 198.51.100.66; the load balancer appended the address it saw, 203.0.113.5.
        await using var router = await RouterHost.StartAsync("--trusted-proxies", "127.0.0.1, 10.0.0.0/8");
        using var user = Behind(router, "198.51.100.66, 203.0.113.5, 10.1.2.3");
        Assert.Equal("203.0.113.5", (await HeadersSeenByTheUserpodAsync(user))["x-forwarded-for"].Single());
    }

    [Fact]
    public async Task The_session_listing_stays_closed_to_clients_relayed_by_a_trusted_proxy()
    {
        await using var router = await RouterHost.StartAsync("--trusted-proxies", "127.0.0.1");
        using var relayed = Behind(router, "203.0.113.9");
        Assert.Equal(HttpStatusCode.NotFound, (await relayed.GetAsync("_htagkube/sessions")).StatusCode);
        using var local = new HttpClient { BaseAddress = router.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("_htagkube/sessions")).StatusCode);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("10.0.0.0/8", 1)]
    [InlineData("10.0.0.0/8, fd00::/8 192.0.2.7;::1", 4)]
    public void Lists_of_addresses_and_ranges_parse(string list, int count) =>
        Assert.Equal(count, TrustedProxies.Parse(list).Count);

    [Theory]
    [InlineData("bogus")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")] // host bits set: a typo for 10.0.0.0/8 or for 10.0.0.1?
    [InlineData("10.0.0.0/8,300.1.1.1")]
    public async Task A_bad_entry_stops_the_router_with_a_clear_error(string list)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => RouterHost.StartAsync("--trusted-proxies", list));
        Assert.Contains("--trusted-proxies", e.Message);
    }
}
