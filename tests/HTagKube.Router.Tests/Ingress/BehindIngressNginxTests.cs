using System.Net;
using HTagKube.Router.Provisioning;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HTagKube.Router.Tests.Ingress;

/// <summary>
/// Issue 27: the router behind Debian's nginx configured like ingress-nginx (TLS with a test CA, HTTP/2 to the
/// client, <c>X-Forwarded-For</c> overwritten with the peer), trusting the ingress as the chart does by default.
/// </summary>
public sealed class BehindIngressNginxTests : IAsyncLifetime
{
    readonly TestCertificates _tls = TestCertificates.Create(IPAddress.Loopback);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _tls.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Every user is served by one test userpod: the test is about admission, and 40 processes would load the machine.</summary>
    sealed class OneUserpodForAll(LocalProcessProvisioner inner) : ISessionProvisioner
    {
        const string Shared = "0123456789abcdef0123456789abcdef";
        public Task<RouteEntry> EnsureSessionAsync(string userKey, string? displayName, CancellationToken ct) =>
            inner.EnsureSessionAsync(Shared, null, ct);
        public Task RouteExpiredAsync(string userKey, CancellationToken ct) => Task.CompletedTask;
        public bool IsStarting(string userKey) => false;
        public Task RouteFailedAsync(string userKey, RouteEntry route, CancellationToken ct) => inner.RouteFailedAsync(Shared, route, ct);
        public Task<bool> EndSessionAsync(string userKey, CancellationToken ct) => Task.FromResult(false);
        public int LiveSessions => 0;
        public IReadOnlyList<SessionInfo> ListSessions() => [];
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    static Task<RouterHost> RouterAsync(params string[] args) => RouterHost.StartAsync(
        s => s.AddSingleton<ISessionProvisioner>(sp => new OneUserpodForAll(sp.GetRequiredService<LocalProcessProvisioner>())),
        ["--warm-pool", "0", .. args]);

    /// <summary>40 people, each at their own address, open the app within the minute; the statuses they get.</summary>
    async Task<List<HttpStatusCode>> FortyUsersAsync(IngressNginx nginx)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            using var browser = nginx.NewClient(IPAddress.Parse($"127.0.0.{10 + i}"), _tls);
            using var res = await browser.GetAsync("whoami");
            Assert.Equal(HttpVersion.Version20, res.Version);
            statuses.Add(res.StatusCode);
        }
        return statuses;
    }

    [Fact]
    public async Task Forty_users_from_distinct_addresses_are_all_admitted_with_the_per_ip_limit_at_30()
    {
        await using var router = await RouterAsync("--trusted-proxies", "127.0.0.1");
        await using var nginx = await IngressNginx.StartAsync(router.BaseAddress, _tls, IngressNginx.Settings.FromChart());
        var statuses = await FortyUsersAsync(nginx);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));

        // Each is itself to the app, and https: the uid cookie is Secure.
        using var user = nginx.NewClient(IPAddress.Parse("127.0.0.77"), _tls);
        using var first = await user.GetAsync("whoami");
        Assert.Contains(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith("htagkube_uid=", StringComparison.Ordinal)
            && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        var headers = await user.GetStringAsync("headers");
        Assert.Contains("X-Forwarded-For: 127.0.0.77", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("X-Forwarded-Proto: https", headers, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task With_nothing_trusted_the_forty_share_the_ingresss_limit()
    {
        await using var router = await RouterAsync();
        await using var nginx = await IngressNginx.StartAsync(router.BaseAddress, _tls, IngressNginx.Settings.FromChart());
        var statuses = await FortyUsersAsync(nginx);
        Assert.Equal(30, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Sign_in_through_the_ingress_completes_with_an_https_redirect_uri_and_secure_cookies()
    {
        var port = ServerProgram.FreePortBelowEphemeralRange();
        var callback = $"https://127.0.0.1:{port}/_htagkube/signin-oidc";
        var secret = Path.GetTempFileName();
        try
        {
            // The provider knows only the https redirect URI behind the ingress: the router's pushed authorization
            // request (PAR: the browser never sees it) is refused with any other, http:// or :443 alike.
            await using var provider = await TestProvider.StartAsync(redirectUris: [callback]);
            await using var router = await RouterHost.StartAsync(provider.RouterArgs(secret, "--warm-pool", "0",
                "--trusted-proxies", "127.0.0.1"));
            await using var nginx = await IngressNginx.StartAsync(router.BaseAddress, _tls, IngressNginx.Settings.FromChart(), port);
            var browser = await DebianChromium.SharedAsync();
            await using var context = await browser.NewContextAsync(new() { IgnoreHTTPSErrors = true });
            var page = await context.NewPageAsync();

            IResponse? res;
            try { res = await Browsing.SignInAsync(page, new Uri(nginx.BaseUri, "whoami"), TestProvider.Alice); }
            catch (PlaywrightException e)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\nnginx access log:\n{nginx.AccessLog()}\nerror log:\n{nginx.ErrorLog()}");
            }
            Assert.Equal(200, res!.Status);
            Assert.Equal(router.Provisioner.Find(Routing.Identity.UserKey.FromIdentity(provider.Authority, TestProvider.Alice.Sub))?.Pid,
                Whoami.Parse(await res.TextAsync()).Pid);
            // The router's login cookie (the provider's own, on the same host, are not ours to judge).
            var cookies = (await context.CookiesAsync([nginx.BaseUri.ToString()]))
                .Where(c => c.Name.StartsWith("htagkube_", StringComparison.Ordinal)).ToList();
            Assert.Contains(cookies, c => c.Name == HTagKube.Router.SignIn.SignInSetup.CookieName);
            Assert.All(cookies, c => Assert.True(c.Secure, $"cookie {c.Name} is not Secure"));
        }
        finally
        {
            File.Delete(secret);
        }
    }
}
