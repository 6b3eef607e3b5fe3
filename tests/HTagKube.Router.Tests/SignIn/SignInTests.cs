using System.Buffers.Text;
using System.Net;
using System.Text.Json;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Tests.SignIn;

/// <summary>
/// Issue 17: OpenID Connect sign-in at the router, with a real provider (oidc-provider on loopback) and Chromium
/// typing each test user's password into the provider's login form.
/// </summary>
public sealed class SignInTests(SignInFixture f) : IClassFixture<SignInFixture>
{
    Uri At(string path) => new(f.Router.BaseAddress, path);

    string KeyOf(TestUser user) => UserKey.FromIdentity(f.Provider.Authority, user.Sub);

    HttpClient Bare() => new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
    { BaseAddress = f.Router.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task A_user_signs_in_with_a_password_and_a_second_browser_of_the_same_user_reaches_the_same_userpod()
    {
        await using var first = await f.Browser.NewContextAsync();
        var page = await first.NewPageAsync();
        var res = await Browsing.SignInAsync(page, At("whoami"), TestProvider.Alice);
        var one = Whoami.Parse(await res!.TextAsync());
        Assert.Equal(f.Router.Provisioner.Find(KeyOf(TestProvider.Alice))?.Pid, one.Pid);
        // Signed-in users get no uid cookie: the login is the credential.
        Assert.DoesNotContain(await first.CookiesAsync(), c => c.Name == "htagkube_uid");

        await using var second = await f.Browser.NewContextAsync(); // another browser: no cookie in common
        var res2 = await Browsing.SignInAsync(await second.NewPageAsync(), At("whoami"), TestProvider.Alice);
        var two = Whoami.Parse(await res2!.TextAsync());
        Assert.Equal(one.Pid, two.Pid);
        Assert.Equal(one.Instance, two.Instance);
        Assert.True(two.Count > one.Count, "the same userpod's counter went on");
    }

    [Fact]
    public async Task Another_user_gets_another_userpod()
    {
        await using var alice = await f.Browser.NewContextAsync();
        var a = Whoami.Parse(await (await Browsing.SignInAsync(await alice.NewPageAsync(), At("whoami"), TestProvider.Alice))!.TextAsync());
        await using var bob = await f.Browser.NewContextAsync();
        var b = Whoami.Parse(await (await Browsing.SignInAsync(await bob.NewPageAsync(), At("whoami"), TestProvider.Bob))!.TextAsync());
        Assert.NotEqual(a.Pid, b.Pid);
        Assert.Equal(b.Pid, f.Router.Provisioner.Find(KeyOf(TestProvider.Bob))?.Pid);
    }

    [Fact]
    public async Task A_user_outside_the_allow_list_gets_403_and_no_userpod_is_started()
    {
        var before = f.Router.Provisioner.LiveSessions;
        await using var carol = await f.Browser.NewContextAsync();
        var res = await Browsing.SignInAsync(await carol.NewPageAsync(), At("whoami"), TestProvider.Carol);
        Assert.Equal(403, res!.Status);
        Assert.Contains("Not allowed", await res.TextAsync());
        Assert.Null(f.Router.Provisioner.Find(KeyOf(TestProvider.Carol)));

        // Nor through a WebSocket or any other path.
        using var http = Bare();
        var cookies = await Browsing.CookieHeaderAsync(carol, f.Router.BaseAddress);
        using var req = Browsing.Navigation("counter", cookies);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(req)).StatusCode);
        Assert.Null(f.Router.Provisioner.Find(KeyOf(TestProvider.Carol)));
        Assert.True(f.Router.Provisioner.LiveSessions <= before + 2, "only other tests' users may have started meanwhile");
    }

    [Fact]
    public async Task The_userpod_gets_the_verified_identity_in_one_header_and_never_the_router_cookies_or_a_forged_identity()
    {
        await using var context = await f.Browser.NewContextAsync();
        await context.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["X-HTag-User"] = "forged" });
        var page = await context.NewPageAsync();
        await Browsing.SignInAsync(page, At("whoami"), TestProvider.Alice);
        var text = await Browsing.TextAsync(page, At("headers"));
        var headers = text.Split('\n').Select(l => l.Split(": ", 2)).Where(p => p.Length == 2).ToLookup(p => p[0].ToLowerInvariant(), p => p[1]);

        var value = Assert.Single(headers["x-htag-user"]);
        using var json = JsonDocument.Parse(Base64Url.DecodeFromChars(value));
        var root = json.RootElement;
        Assert.Equal(f.Provider.Authority, root.GetProperty("iss").GetString());
        Assert.Equal(TestProvider.Alice.Sub, root.GetProperty("sub").GetString());
        Assert.Equal(TestProvider.Alice.Name, root.GetProperty("name").GetString());
        Assert.Equal(TestProvider.Alice.Email, root.GetProperty("email").GetString());
        Assert.Equal(TestProvider.Alice.Groups, root.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!));
        Assert.DoesNotContain("htagkube_", string.Join(";", headers["cookie"]));
    }

    [Fact]
    public async Task A_tampered_or_missing_login_cookie_sends_the_browser_back_to_sign_in()
    {
        await using var context = await f.Browser.NewContextAsync();
        await Browsing.SignInAsync(await context.NewPageAsync(), At("whoami"), TestProvider.Alice);
        var cookies = await Browsing.CookieHeaderAsync(context, f.Router.BaseAddress);
        Assert.Contains("htagkube_auth=", cookies);
        using var http = Bare();

        using (var ok = Browsing.Navigation("whoami", cookies))
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(ok)).StatusCode);

        // One character of the sealed login changed: not a login at all.
        var at = cookies.IndexOf("htagkube_auth=", StringComparison.Ordinal) + "htagkube_auth=".Length + 40;
        var tampered = cookies[..at] + (cookies[at] == 'A' ? 'B' : 'A') + cookies[(at + 1)..];
        foreach (var header in new[] { tampered, "" })
        {
            using var req = Browsing.Navigation("whoami", header.Length == 0 ? null : header);
            var res = await http.SendAsync(req);
            Assert.Equal(HttpStatusCode.Redirect, res.StatusCode);
            Assert.StartsWith(f.Provider.Authority + "/auth?", res.Headers.Location!.ToString());
        }
        // A non-navigation request is not redirected: 401.
        using var api = new HttpRequestMessage(HttpMethod.Post, "whoami");
        api.Headers.Add("Cookie", tampered);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(api)).StatusCode);
    }

    [Fact]
    public async Task The_admin_listing_is_open_to_the_admin_group_from_outside_loopback_and_to_nobody_else()
    {
        using var http = Bare();
        async Task<HttpStatusCode> ListAs(TestUser user)
        {
            await using var context = await f.Browser.NewContextAsync();
            await Browsing.SignInAsync(await context.NewPageAsync(), At("whoami"), user);
            using var req = new HttpRequestMessage(HttpMethod.Get, "_htagkube/sessions");
            req.Headers.Add("Cookie", await Browsing.CookieHeaderAsync(context, f.Router.BaseAddress));
            req.Headers.Add("X-Forwarded-For", "203.0.113.50"); // relayed: not a loopback client
            return (await http.SendAsync(req)).StatusCode;
        }
        Assert.Equal(HttpStatusCode.NotFound, await ListAs(TestProvider.Alice));
        Assert.Equal(HttpStatusCode.OK, await ListAs(TestProvider.Dana));
    }

    [Fact]
    public async Task Logout_clears_the_login_and_the_next_page_signs_in_again()
    {
        await using var context = await f.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var pid = Whoami.Parse(await (await Browsing.SignInAsync(page, At("whoami"), TestProvider.Bob))!.TextAsync()).Pid;
        await Browsing.SignOutAsync(page, f.Router.BaseAddress);
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name.StartsWith("htagkube_auth", StringComparison.Ordinal));
        // Without --oidc-logout-ends-session the person's userpod stays (their other browsers still use it).
        Assert.True(Processes.IsAlive(pid), "the userpod survives a logout by default");
        Assert.Equal(pid, f.Router.Provisioner.Find(KeyOf(TestProvider.Bob))?.Pid);

        using var http = Bare();
        using var req = Browsing.Navigation("whoami", await Browsing.CookieHeaderAsync(context, f.Router.BaseAddress));
        Assert.Equal(HttpStatusCode.Redirect, (await http.SendAsync(req)).StatusCode);
    }
}
