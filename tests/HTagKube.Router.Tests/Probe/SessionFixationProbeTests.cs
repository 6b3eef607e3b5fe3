using System.Net;
using HTagKube.Router.Identity;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Tests.Probe;

/// <summary>
/// Issue 14, outside-probe finding (session fixation): any well-formed uid a client invented was taken as a new
/// session, so an attacker could plant a uid in a victim's browser and then share the victim's userpod. Now only
/// router-issued cookies (uid + MAC under the router's key) are credentials; anything else is replaced.
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
        Assert.NotEqual(planted, RouterCookies.UidOf(issued));
        Assert.Equal(RouterCookies.UidOf(issued), shared.Router.Uids.Verify(issued));
        Assert.Null(shared.Router.Provisioner.Find(UserKey.FromUid(planted)));
        Assert.NotNull(shared.Router.Provisioner.Find(UserKey.FromUid(RouterCookies.UidOf(issued))));
    }

    [Fact]
    public async Task A_planted_or_tampered_cookie_never_reaches_the_session_of_the_uid_it_names()
    {
        // The victim's real, router-issued session.
        var (victimUid, victim) = shared.NewUser();
        var victimPid = (await Whoami.GetAsync(victim)).Pid;
        var genuine = shared.Router.Uids.Issue(victimUid);

        var forgeries = new[]
        {
            victimUid,                                                  // the bare uid (as accepted before the fix)
            victimUid + "." + new string('A', 22),                      // a made-up MAC
            genuine[..^1] + (genuine[^1] == 'A' ? 'B' : 'A'),           // one MAC character changed
            new UidSigner(UidSigner.NewKey()).Issue(victimUid),        // signed under another key
            victimUid + "." + genuine[(UserKey.UidLength + 1)..] + "x", // a valid MAC with a tail
        };
        foreach (var forged in forgeries)
        {
            var (who, set) = await AsCookieAsync(shared.Router.BaseAddress, forged);
            Assert.NotNull(set); // replaced by a fresh router-issued cookie
            Assert.NotEqual(victimUid, RouterCookies.UidOf(IssuedValue(set!)));
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

        var (who, set) = await AsCookieAsync(other.BaseAddress, shared.Router.Uids.Issue(uid));
        Assert.NotNull(set);
        Assert.NotEqual(pid, who.Pid);
        Assert.Null(other.Provisioner.Find(UserKey.FromUid(uid)));
    }
}
