using System.Net;

namespace HTagKube.Router.Tests.SignIn;

/// <summary>Issue 27, the outside probe's sign-in findings: open redirect, logout CSRF, remote sign-out.</summary>
public sealed class SignInProbeTests(SignInFixture f) : IClassFixture<SignInFixture>
{
    HttpClient Bare() => new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
    { BaseAddress = f.Router.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    static bool ClearsLogin(HttpResponseMessage res) =>
        res.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith("htagkube_auth", StringComparison.Ordinal));

    async Task<string> SignedInCookiesAsync(TestUser user)
    {
        await using var context = await f.Browser.NewContextAsync();
        await Browsing.SignInAsync(await context.NewPageAsync(), new Uri(f.Router.BaseAddress, "whoami"), user);
        return await Browsing.CookieHeaderAsync(context, f.Router.BaseAddress);
    }

    [Fact]
    public async Task A_sign_in_started_at_a_protocol_relative_path_returns_to_a_local_path()
    {
        var router = f.Router.BaseAddress.ToString().TrimEnd('/');
        // A sign-in that Chromium ends on its error page for the host's network churning (SteadyNavigation; CI run w3
        // waited 120 s for a URL that never came) is started again by a new browser, as Browsing.SignInAsync does.
        for (var attempt = 1; ; attempt++)
        {
            await using var context = await f.Browser.NewContextAsync();
            var page = await context.NewPageAsync();
            // Nothing leaves the machine: a navigation to the foreign host is answered here.
            await page.RouteAsync("http://evil.example/**", r => r.FulfillAsync(new() { Status = 200, Body = "evil" }));
            await page.OpenAsync(router + "//evil.example/x");
            await page.FillAsync("#username", TestProvider.Alice.Username);
            await page.FillAsync("#password", TestProvider.Alice.Password);
            await page.ClickAsync("#signin");
            await page.WaitForURLAsync(u => u.StartsWith("http://evil.example", StringComparison.Ordinal)
                || (u.StartsWith(router, StringComparison.Ordinal) && !u.Contains("signin-oidc", StringComparison.Ordinal))
                || SteadyNavigation.IsErrorPage(u),
                new() { Timeout = 120_000 });
            if (SteadyNavigation.IsErrorPage(page.Url))
            {
                await SteadyNavigation.BeforeAnotherAttemptAsync(page, attempt, "the sign-in");
                continue;
            }
            Assert.StartsWith(router + "/", page.Url);
            return;
        }
    }

    [Fact]
    public async Task A_cross_site_logout_post_is_refused_and_the_login_stays()
    {
        var cookies = await SignedInCookiesAsync(TestProvider.Bob);
        using var http = Bare();
        using var forged = new HttpRequestMessage(HttpMethod.Post, "_htagkube/logout") { Content = new FormUrlEncodedContent([]) };
        forged.Headers.Add("Cookie", cookies);
        forged.Headers.Add("Origin", "http://evil.example");
        var res = await http.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.False(ClearsLogin(res));

        using var own = new HttpRequestMessage(HttpMethod.Post, "_htagkube/logout") { Content = new FormUrlEncodedContent([]) };
        own.Headers.Add("Cookie", cookies);
        own.Headers.Add("Origin", $"http://{f.Router.BaseAddress.Authority}");
        var ok = await http.SendAsync(own);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(ClearsLogin(ok));
    }

    [Fact]
    public async Task A_remote_sign_out_without_the_providers_sid_and_iss_signs_nobody_out()
    {
        var cookies = await SignedInCookiesAsync(TestProvider.Bob);
        using var http = Bare();
        using var req = Browsing.Navigation("_htagkube/signout-oidc", cookies);
        var res = await http.SendAsync(req);
        Assert.False(ClearsLogin(res), $"status {(int)res.StatusCode}");
    }
}
