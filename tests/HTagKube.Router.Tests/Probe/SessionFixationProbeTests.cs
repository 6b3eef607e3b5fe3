using HTagKube.Router.Identity;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace HTagKube.Router.Tests.Probe;

/// <summary>
/// Issue 14, outside-probe finding (session fixation): any well-formed uid a client invented was taken as a new
/// session, so an attacker could plant a uid in a victim's browser and then share the victim's userpod. Now only
/// router-issued cookies (the uid sealed with data protection on the router's key ring) are credentials; anything else
/// is replaced.
/// </summary>
public sealed class SessionFixationProbeTests(SharedRouter shared) : IClassFixture<SharedRouter>
{
    static HttpClient Bare(Uri router) => new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = router };

    static async Task<(Whoami Who, string? SetCookie)> AsCookieAsync(Uri router, string cookieValue)
    {
        using var http = Bare(router);
        using var req = new HttpRequestMessage(HttpMethod.Get, "whoami");
        req.Headers.TryAddWithoutValidation("Cookie", "htagkube_uid=" + cookieValue);
        var res = await http.SendAsync(req);
        var set = res.Headers.TryGetValues("Set-Cookie", out var values) ? values.Single() : null;
        res.EnsureSuccessStatusCode();
        return (Whoami.Parse(await res.Content.ReadAsStringAsync()), set);
    }

    static string IssuedValue(string setCookie) => setCookie["htagkube_uid=".Length..setCookie.IndexOf(';')];

    [Fact]
    public async Task A_planted_well_formed_uid_gets_a_new_router_issued_cookie_and_no_session_of_its_own()
    {
        var planted = UserKey.NewUid();
        var (_, set) = await AsCookieAsync(shared.Router.BaseAddress, planted);

        Assert.NotNull(set);
        var issued = IssuedValue(set!);
        var uid = shared.Router.Uids.Open(issued);
        Assert.True(UserKey.IsWellFormedUid(uid));
        Assert.NotEqual(planted, uid);
        Assert.DoesNotContain(uid!, issued, StringComparison.Ordinal); // sealed: the uid is not readable in the cookie
        Assert.Null(shared.Router.Provisioner.Find(UserKey.FromUid(planted)));
        Assert.NotNull(shared.Router.Provisioner.Find(UserKey.FromUid(uid!)));
    }

    [Fact]
    public async Task A_planted_or_tampered_cookie_never_reaches_the_session_of_the_uid_it_names()
    {
        // The victim's real, router-issued session.
        var (victimUid, victim) = shared.NewUser();
        var victimPid = (await Whoami.GetAsync(victim)).Pid;
        var genuine = shared.Router.Uids.Seal(victimUid);
        var keyRing = shared.Router.App.Services.GetRequiredService<IDataProtectionProvider>();

        var forgeries = new[]
        {
            victimUid,                                                        // the bare uid (as accepted before issue 14)
            victimUid + "." + new string('A', 22),                            // the shape of the earlier uid.MAC cookie
            genuine[..^2] + (genuine[^2] == 'A' ? 'B' : 'A') + genuine[^1],  // one character changed
            genuine[..^4],                                                    // truncated
            genuine + "x",                                                    // a valid value with a tail
            new UidSeal(new EphemeralDataProtectionProvider()).Seal(victimUid), // sealed under another key ring
            keyRing.CreateProtector("another purpose").Protect(victimUid),     // this key ring, another purpose
        };
        foreach (var forged in forgeries)
        {
            var (who, set) = await AsCookieAsync(shared.Router.BaseAddress, forged);
            Assert.NotNull(set); // replaced by a fresh router-issued cookie
            Assert.NotEqual(victimUid, shared.Router.Uids.Open(IssuedValue(set!)));
            Assert.NotEqual(victimPid, who.Pid);
        }

        // The genuine cookie still reaches the victim's userpod, with no new cookie.
        var (again, none) = await AsCookieAsync(shared.Router.BaseAddress, genuine);
        Assert.Null(none);
        Assert.Equal(victimPid, again.Pid);
    }

    [Fact]
    public async Task A_cookie_from_another_local_router_is_replaced_each_local_router_has_its_own_key()
    {
        await using var other = await RouterHost.StartAsync("--warm-pool", "0");
        var (uid, client) = shared.NewUser();
        var pid = (await Whoami.GetAsync(client)).Pid;

        var (who, set) = await AsCookieAsync(other.BaseAddress, shared.Router.Uids.Seal(uid));
        Assert.NotNull(set);
        Assert.NotEqual(pid, who.Pid);
        Assert.Null(other.Provisioner.Find(UserKey.FromUid(uid)));
    }
}
