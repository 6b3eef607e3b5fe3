using System.Net;
using System.Text.RegularExpressions;
using HTagKube.Router.Tests.Infrastructure;
using Microsoft.Playwright;

namespace HTagKube.Router.Tests.SignIn;

/// <summary>Issue 17, session edges: logins that expire (also under a live WebSocket) and logins shared by routers.</summary>
public sealed class LoginEdgeTests : IAsyncLifetime
{
    TestProvider _provider = null!;
    readonly string _secretFile = Path.GetTempFileName();

    public async Task InitializeAsync() => _provider = await TestProvider.StartAsync();

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        File.Delete(_secretFile);
    }

    [Fact]
    public async Task An_expired_login_sends_the_browser_back_to_the_provider()
    {
        await using var router = await RouterHost.StartAsync(_provider.RouterArgs(_secretFile, "--oidc-login-lifetime", "00:00:15", "--warm-pool", "0"));
        var browser = await DebianChromium.SharedAsync();
        await using var context = await browser.NewContextAsync();
        await Browsing.SignInAsync(await context.NewPageAsync(), new Uri(router.BaseAddress, "whoami"), TestProvider.Alice);
        var cookies = await Browsing.CookieHeaderAsync(context, router.BaseAddress);

        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = router.BaseAddress };
        async Task<HttpStatusCode> SendAsync()
        {
            using var req = Browsing.Navigation("whoami", cookies);
            var res = await http.SendAsync(req);
            if (res.StatusCode == HttpStatusCode.Redirect) Assert.StartsWith(_provider.Authority + "/auth?", res.Headers.Location!.ToString());
            return res.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await SendAsync());
        // The same cookie, once its login lifetime is over, is no login any more.
        await Eventually.True(async () => await SendAsync() == HttpStatusCode.Redirect, TimeSpan.FromSeconds(90), "the login expired");
    }

    [Fact]
    public async Task A_login_expiring_under_a_live_websocket_ends_in_a_reload_that_signs_in_again()
    {
        // Long enough for a sign-in and a click on a loaded 2-core machine; the test then waits for the login to end by itself.
        await using var router = await RouterHost.StartAsync(_provider.RouterArgs(_secretFile, "--oidc-login-lifetime", "00:00:30", "--warm-pool", "0",
            "--userpod-command", $"dotnet \"{TestPaths.DemoDll}\""));
        var browser = await DebianChromium.SharedAsync();
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var counter = new Uri(router.BaseAddress, "counter");
        var signedInAt = DateTimeOffset.UtcNow;
        await Browsing.SignInAsync(page, counter, TestProvider.Alice);
        var plus = page.GetByRole(AriaRole.Button, new() { Name = "+1" });
        var count = page.Locator(".count");
        await plus.ClickAsync();
        await Assertions.Expect(count).ToHaveTextAsync(new Regex(@"^\s*1\s*$")); // the live socket works

        // When the login ends, the router closes the page's socket; htag.js reconnects, is told to reload, and the
        // reload goes through the provider (its session still open: no password) back to the app. The test itself
        // navigates nowhere.
        var request = await page.WaitForRequestAsync(r => r.Url.StartsWith(_provider.Authority + "/auth?", StringComparison.Ordinal),
            new() { Timeout = 180_000 });
        Assert.True(DateTimeOffset.UtcNow - signedInAt >= TimeSpan.FromSeconds(29), "not before the login ended");
        Assert.True(request.IsNavigationRequest);
        await page.WaitForURLAsync(counter.ToString(), new() { Timeout = 120_000 });
        await plus.ClickAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(count).ToHaveTextAsync(new Regex(@"^\s*[1-9]\d*\s*$")); // signed in again, working
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "htagkube_uid");
    }

    [Fact]
    public async Task With_oidc_logout_ends_session_logout_ends_the_persons_userpod()
    {
        await using var router = await RouterHost.StartAsync(_provider.RouterArgs(_secretFile, "--oidc-logout-ends-session", "--warm-pool", "0"));
        var browser = await DebianChromium.SharedAsync();
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var pid = Whoami.Parse(await (await Browsing.SignInAsync(page, new Uri(router.BaseAddress, "whoami"), TestProvider.Carol))!.TextAsync()).Pid;
        var key = HTagKube.Routing.Identity.UserKey.FromIdentity(_provider.Authority, TestProvider.Carol.Sub);
        Assert.Equal(pid, router.Provisioner.Find(key)?.Pid);
        Assert.True(Processes.IsAlive(pid));

        // The logout page's button, as the person clicks it (a POST); without the flag this userpod would stay.
        await Browsing.SignOutAsync(page, router.BaseAddress);
        await Eventually.True(() => !Processes.IsAlive(pid), TimeSpan.FromSeconds(60), $"the userpod {pid} of the signed-out person exited");
        Assert.Null(router.Provisioner.Find(key));
    }

    [Fact]
    public async Task Two_routers_on_one_redis_accept_each_others_logins()
    {
        await using var redis = await RedisServer.StartAsync();
        var args = _provider.RouterArgs(_secretFile, "--redis", redis.Configuration, "--keep-userpods", "false", "--warm-pool", "0");
        await using var one = await RouterProcess.StartAsync(args);
        await using var two = await RouterProcess.StartAsync(args);
        var browser = await DebianChromium.SharedAsync();
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var viaOne = Whoami.Parse(await (await Browsing.SignInAsync(page, new Uri(one.BaseAddress, "whoami"), TestProvider.Bob))!.TextAsync());

        // The login cookie router one sealed, sent to router two only (no browser sharing host cookies involved).
        var cookies = await Browsing.CookieHeaderAsync(context, one.BaseAddress);
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = two.BaseAddress };
        using var req = Browsing.Navigation("whoami", cookies);
        var res = await http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(viaOne.Pid, Whoami.Parse(await res.Content.ReadAsStringAsync()).Pid);
        // Through the data-protection keys both routers read from Redis (not a file both happen to see).
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        Assert.True(await mux.GetDatabase().KeyExistsAsync(HTagKube.Router.Backend.RedisBackend.KeysRedisKey));
    }
}
