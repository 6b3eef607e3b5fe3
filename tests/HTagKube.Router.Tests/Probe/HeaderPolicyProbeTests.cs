using System.Net;
using System.Net.WebSockets;
using HTagKube.Routing.Identity;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Probe;

/// <summary>
/// Issue 14, outside-probe findings on the header policy: the uid cookie is read and stripped by one exact-name
/// rule (HTTP and WebSocket), and RFC 7239 <c>Forwarded</c> is handled like X-Forwarded-*.
/// </summary>
public sealed class HeaderPolicyProbeTests(SharedRouter shared) : IClassFixture<SharedRouter>
{
    static ILookup<string, string> Parse(string text) =>
        text.Split('\n').Select(l => l.Split(": ", 2)).Where(p => p.Length == 2).ToLookup(p => p[0].ToLowerInvariant(), p => p[1]);

    [Fact]
    public async Task A_uid_under_another_case_of_the_name_is_no_credential_and_the_real_uid_never_reaches_the_userpod()
    {
        var planted = UserKey.NewUid();
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = shared.Router.BaseAddress };
        using var req = new HttpRequestMessage(HttpMethod.Get, "headers");
        req.Headers.TryAddWithoutValidation("Cookie", "HTAGKUBE_UID=" + planted);
        var res = await http.SendAsync(req);

        // Not taken as the credential: the router issues one under the exact name.
        var set = Assert.Single(res.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("htagkube_uid=", set);
        var issued = set["htagkube_uid=".Length..set.IndexOf(';')];
        Assert.NotEqual(planted, shared.Router.Uids.Open(issued));
        Assert.Null(shared.Router.Provisioner.Find(UserKey.FromUid(planted)));
        Assert.DoesNotContain(issued, await res.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_websocket_upgrade_carries_the_same_policy_uid_stripped_token_and_forwarded_headers_set()
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Cookie", "theme=dark; " + shared.Router.Cookie(uid) + "; HTAGKUBE_UID=other");
        ws.Options.SetRequestHeader("X-HTag-Token", "forged");
        ws.Options.SetRequestHeader("Forwarded", "for=6.6.6.6;proto=https");
        ws.Options.SetRequestHeader("X-Forwarded-For", "6.6.6.6");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ws.ConnectAsync(new Uri($"ws://{shared.Router.BaseAddress.Authority}/ws"), cts.Token);
        await ws.SendTextAsync("headers");
        var text = (await ws.ReceiveTextAsync())!;
        var headers = Parse(text);

        Assert.DoesNotContain(uid, text);
        Assert.Equal("theme=dark; HTAGKUBE_UID=other", headers["cookie"].Single());
        Assert.Equal(shared.TokenOf(uid), headers["x-htag-token"].Single());
        Assert.Equal("127.0.0.1", headers["x-forwarded-for"].Single());
        Assert.Equal($"for=127.0.0.1;proto=http;host=\"{shared.Router.BaseAddress.Authority}\"", headers["forwarded"].Single());
    }

    [Fact]
    public async Task A_client_forwarded_header_is_replaced_by_the_routers_view_of_the_client()
    {
        var (_, client) = shared.NewUser();
        using var req = new HttpRequestMessage(HttpMethod.Get, "headers");
        req.Headers.TryAddWithoutValidation("Forwarded", "for=6.6.6.6;proto=https;host=evil.example");
        var headers = Parse(await (await client.SendAsync(req)).Content.ReadAsStringAsync());

        Assert.Equal($"for=127.0.0.1;proto=http;host=\"{shared.Router.BaseAddress.Authority}\"", headers["forwarded"].Single());
    }

    [Fact]
    public async Task The_session_listing_is_hidden_from_a_request_relayed_with_forwarded_only()
    {
        using var http = new HttpClient { BaseAddress = shared.Router.BaseAddress };
        using var relayed = new HttpRequestMessage(HttpMethod.Get, "_htagkube/sessions");
        relayed.Headers.Add("Forwarded", "for=203.0.113.9");
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(relayed)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("_htagkube/sessions")).StatusCode);
    }
}
