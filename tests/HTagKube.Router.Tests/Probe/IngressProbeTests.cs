using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using HTagKube.Router.Provisioning;
using HTagKube.Router.SignIn;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Probe;

/// <summary>Issue 27, the outside probe's findings that need no sign-in: Origin, admin loopback, environment, cookies.</summary>
public sealed class IngressProbeTests(SharedRouter shared) : IClassFixture<SharedRouter>
{
    static ILookup<string, string> Parse(string text) =>
        text.Split('\n').Select(l => l.Split(": ", 2)).Where(p => p.Length == 2).ToLookup(p => p[0].ToLowerInvariant(), p => p[1]);

    public static TheoryData<string, string?, string?> ForeignCalls => new()
    {
        { "_htag/post", "http://localhost:9", null },      // a sibling origin (another port)
        { "_htag/call", "null", null },                    // a sandboxed or file: page
        { "_htag/upload", "http://evil.example", null },
        { "_htag/call", null, "cross-site" },              // no Origin, but the browser says where it comes from
        { "_htag/post", null, "same-site" },
    };

    [Theory]
    [MemberData(nameof(ForeignCalls))]
    public async Task A_call_from_another_origin_is_refused_before_it_reaches_the_userpod(string path, string? origin, string? fetchSite)
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        var before = shared.Router.PidOf(uid);
        using var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}", Encoding.UTF8, "text/plain") };
        if (origin is not null) req.Headers.TryAddWithoutValidation("Origin", origin);
        if (fetchSite is not null) req.Headers.TryAddWithoutValidation("Sec-Fetch-Site", fetchSite);
        var res = await client.SendAsync(req);
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal(before, shared.Router.PidOf(uid));
    }

    [Fact]
    public async Task A_call_from_the_pages_own_origin_goes_through()
    {
        var (_, client) = shared.NewUser();
        using var req = new HttpRequestMessage(HttpMethod.Get, "headers");
        req.Headers.TryAddWithoutValidation("Origin", $"http://{shared.Router.BaseAddress.Authority}");
        req.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(req)).StatusCode);
        using var call = new HttpRequestMessage(HttpMethod.Post, "_htag/call");
        call.Headers.TryAddWithoutValidation("Origin", $"http://{shared.Router.BaseAddress.Authority}");
        Assert.NotEqual(HttpStatusCode.Forbidden, (await client.SendAsync(call)).StatusCode);
    }

    [Fact]
    public async Task A_websocket_from_another_origin_is_refused()
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        ws.Options.SetRequestHeader("Cookie", shared.Router.Cookie(uid));
        ws.Options.SetRequestHeader("Origin", "http://localhost:9");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAsync<WebSocketException>(() =>
            ws.ConnectAsync(new Uri($"ws://{shared.Router.BaseAddress.Authority}/_htag/ws?q=x"), cts.Token));
        Assert.Equal(HttpStatusCode.Forbidden, ws.HttpStatusCode);
    }

    [Fact]
    public async Task A_client_relayed_by_a_trusted_proxy_naming_loopback_is_not_local_for_the_session_listing()
    {
        await using var router = await RouterHost.StartAsync("--trusted-proxies", "127.0.0.1");
        using var relayed = router.NewClient();
        relayed.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", "127.0.0.1");
        Assert.Equal(HttpStatusCode.NotFound, (await relayed.GetAsync("_htagkube/sessions")).StatusCode);
        using var del = new HttpRequestMessage(HttpMethod.Delete, "_htagkube/sessions/" + new string('a', 43));
        Assert.Equal(HttpStatusCode.NotFound, (await relayed.SendAsync(del)).StatusCode);
    }

    [Fact]
    public void The_routers_secrets_never_reach_a_local_userpods_environment()
    {
        Environment.SetEnvironmentVariable("HTAGKUBE_OIDC_CLIENT_SECRET", "s3cret-probe");
        Environment.SetEnvironmentVariable("HTAGKUBE_SOMETHING_NEW", "router-only");
        try
        {
            var psi = UserpodCommand.Parse("dotnet app.dll").ToStartInfo("tok", newSession: false);
            Assert.DoesNotContain(psi.Environment, e => e.Key.StartsWith("HTAGKUBE_", StringComparison.Ordinal));
            Assert.DoesNotContain(psi.Environment, e => e.Value == "s3cret-probe");
            Assert.Equal("tok", psi.Environment["HTAG_TOKEN"]);
            Assert.True(psi.Environment.ContainsKey("PATH"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("HTAGKUBE_OIDC_CLIENT_SECRET", null);
            Environment.SetEnvironmentVariable("HTAGKUBE_SOMETHING_NEW", null);
        }
    }

    [Fact]
    public void A_missing_email_verified_claim_is_not_verified()
    {
        var id = new ClaimsIdentity([new Claim(SignedInUser.IssuerClaim, "https://idp.example"), new Claim("sub", "s"),
            new Claim("email", "a@corp.example")], "test");
        Assert.False(SignedInUser.From(new ClaimsPrincipal(id), "groups", null)!.EmailVerified);
        id.AddClaim(new Claim("email_verified", "true"));
        Assert.True(SignedInUser.From(new ClaimsPrincipal(id), "groups", null)!.EmailVerified);
    }

    [Fact]
    public async Task The_uid_cookie_is_stripped_from_a_websocket_upgrade_with_two_cookie_lines()
    {
        var (uid, client) = shared.NewUser();
        await client.GetStringAsync("whoami");
        var router = shared.Router.BaseAddress;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, router.Port);
        var stream = tcp.GetStream();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var hello = $"GET /ws HTTP/1.1\r\nHost: {router.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                    $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nCookie: theme=dark\r\nCookie: {shared.Router.Cookie(uid)}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(hello));
        using var ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one, cts.Token) > 0) head.Append((char)one[0]);
        Assert.StartsWith("HTTP/1.1 101", head.ToString());
        await ws.SendAsync("headers"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        var buffer = new byte[65536];
        var got = 0;
        WebSocketReceiveResult r;
        do { r = await ws.ReceiveAsync(new ArraySegment<byte>(buffer, got, buffer.Length - got), cts.Token); got += r.Count; }
        while (!r.EndOfMessage);
        var text = Encoding.UTF8.GetString(buffer, 0, got);
        var cookie = Assert.Single(Parse(text)["cookie"]);
        Assert.DoesNotContain("htagkube_uid", cookie);
        Assert.Contains("theme=dark", cookie);
    }

    [Fact]
    public async Task A_websocket_keepalive_that_is_not_positive_stops_the_router_with_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => RouterHost.StartAsync("--ws-keepalive", "0"));
        Assert.Contains("--ws-keepalive", e.Message);
    }
}
