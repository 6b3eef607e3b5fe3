using System.Net;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.SignIn;

/// <summary>
/// <c>--oidc-ca-file</c>: a provider on https with a private CA (generated here) is trusted for the router's own calls
/// to it only with that CA; without the option, or with another CA, the router refuses to talk to it.
/// </summary>
public sealed class PrivateCaTests : IAsyncLifetime
{
    TestCertificates _tls = null!, _otherCa = null!;
    TestProvider _provider = null!;
    readonly string _secretFile = Path.GetTempFileName();

    public async Task InitializeAsync()
    {
        _tls = TestCertificates.Create(IPAddress.Loopback);
        _otherCa = TestCertificates.Create(IPAddress.Loopback, "Another test CA");
        _provider = await TestProvider.StartAsync(tls: _tls);
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        _tls.Dispose();
        _otherCa.Dispose();
        File.Delete(_secretFile);
    }

    [Fact]
    public async Task The_router_signs_in_through_a_provider_with_a_private_ca_only_when_given_that_ca()
    {
        Assert.Equal(Uri.UriSchemeHttps, _provider.Issuer.Scheme);
        foreach (var untrusted in new[] { Array.Empty<string>(), ["--oidc-ca-file", _otherCa.CaFile] })
        {
            await using var refusing = await RouterHost.StartAsync(_provider.RouterArgs(_secretFile, [.. untrusted, "--warm-pool", "0"]));
            using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
            { BaseAddress = refusing.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            using var req = Browsing.Navigation("whoami");
            var res = await http.SendAsync(req);
            // No trusted discovery document, so no redirect to the provider (and no userpod).
            Assert.True(res.StatusCode >= HttpStatusCode.InternalServerError, $"{string.Join(' ', untrusted)}: {res.StatusCode} {res.Headers.Location}");
            Assert.Equal(0, refusing.Provisioner.LiveSessions);
        }

        await using var router = await RouterHost.StartAsync(_provider.RouterArgs(_secretFile, "--oidc-ca-file", _tls.CaFile, "--warm-pool", "0"));
        var browser = await DebianChromium.SharedAsync();
        // Chromium itself does not know the test CA: the provider's login page is let through; the router's calls are what is tested.
        await using var context = await browser.NewContextAsync(new() { IgnoreHTTPSErrors = true });
        var res2 = await Browsing.SignInAsync(await context.NewPageAsync(), new Uri(router.BaseAddress, "whoami"), TestProvider.Alice);
        Assert.Equal(200, res2!.Status);
        var me = Whoami.Parse(await res2.TextAsync());
        Assert.Equal(router.Provisioner.Find(HTagKube.Routing.Identity.UserKey.FromIdentity(_provider.Authority, TestProvider.Alice.Sub))?.Pid, me.Pid);
    }

    [Fact]
    public async Task An_unreadable_or_empty_ca_file_stops_the_start_with_a_clear_message()
    {
        var empty = Path.GetTempFileName();
        try
        {
            foreach (var (file, message) in new[] { (empty, "holds no PEM certificate"), ("/nonexistent/ca.pem", "cannot be read") })
            {
                var e = await Assert.ThrowsAsync<ArgumentException>(() => RouterHost.StartAsync(_provider.RouterArgs(_secretFile, "--oidc-ca-file", file)));
                Assert.Contains("--oidc-ca-file", e.Message);
                Assert.Contains(message, e.Message);
            }
        }
        finally { File.Delete(empty); }
    }
}
