using HTagKube.Contract;
using HTagKube.Router.State;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Tests.State;

/// <summary>
/// Every request forwarded to a userpod tells it its user's state key and where the router's state endpoint is, on
/// HTTP and WebSocket alike; a client cannot plant either (Forwarding/UserpodTransformer).
/// </summary>
public sealed class StateHeadersTests(SharedRouter shared) : IClassFixture<SharedRouter>
{
    static ILookup<string, string> Parse(string text) =>
        text.Split('\n').Select(l => l.Split(": ", 2)).ToLookup(p => p[0].ToLowerInvariant(), p => p[1]);

    /// <summary>The router's own loopback address, as the test's client reached it.</summary>
    string RouterUrl => shared.Router.BaseAddress.GetLeftPart(UriPartial.Authority);

    [Fact]
    public async Task An_http_request_carries_the_users_state_key_and_the_routers_state_url_and_never_the_clients()
    {
        var (uid, client) = shared.NewUser();
        using var req = new HttpRequestMessage(HttpMethod.Get, "headers");
        var other = UserKey.FromUid(UserKey.NewUid());
        req.Headers.TryAddWithoutValidation(Headers.StateKey, other);
        req.Headers.TryAddWithoutValidation(Headers.StateUrl, "http://attacker.example:1");
        var text = await (await client.SendAsync(req)).Content.ReadAsStringAsync();
        var headers = Parse(text);

        Assert.Equal(UserKey.FromUid(uid), headers["x-htag-state-key"].Single());
        Assert.Equal(RouterUrl, headers["x-htag-state-url"].Single());
        Assert.StartsWith("http://127.0.0.1:", RouterUrl);
        Assert.DoesNotContain(other, text);
        Assert.DoesNotContain("attacker", text);
        Assert.DoesNotContain(uid, text);
    }

    [Fact]
    public async Task A_websocket_upgrade_carries_the_same_two_headers_and_never_the_clients()
    {
        var uid = UserKey.NewUid();
        using var ws = new System.Net.WebSockets.ClientWebSocket();
        ws.Options.SetRequestHeader("Cookie", shared.Router.Cookie(uid));
        ws.Options.SetRequestHeader(Headers.StateKey, UserKey.FromUid(UserKey.NewUid()));
        ws.Options.SetRequestHeader(Headers.StateUrl, "http://attacker.example:1");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ws.ConnectAsync(new Uri($"ws://{shared.Router.BaseAddress.Authority}/ws"), cts.Token);
        await ws.SendTextAsync("headers");
        var headers = Parse((await ws.ReceiveTextAsync())!);

        Assert.Equal(UserKey.FromUid(uid), headers["x-htag-state-key"].Single());
        Assert.Equal(RouterUrl, headers["x-htag-state-url"].Single());
    }

    [Theory]
    [InlineData("http://127.0.0.1:41234", null, "http://127.0.0.1:41234")]
    [InlineData("http://localhost:8000", null, "http://127.0.0.1:8000")]
    [InlineData("http://[::]:8000", null, "http://127.0.0.1:8000")]
    [InlineData("http://0.0.0.0:8000", null, "http://127.0.0.1:8000")]
    [InlineData("http://+:8000", null, "http://127.0.0.1:8000")]
    [InlineData("http://*:8000", null, "http://127.0.0.1:8000")]
    [InlineData("http://[::1]:8000", null, "http://[::1]:8000")]
    [InlineData("http://[::]:8000", "10.244.1.7", "http://10.244.1.7:8000")]
    [InlineData("http://[::]:8000", "fd00::17", "http://[fd00::17]:8000")]
    public void The_state_url_comes_from_the_bound_address_or_the_pod_ip(string bound, string? podIp, string expected)
    {
        Assert.Equal(expected, StateAddress.FromBound([bound], podIp));
    }

    [Fact]
    public void Plain_http_is_preferred_and_nothing_bound_is_no_url()
    {
        Assert.Equal("http://127.0.0.1:8000", StateAddress.FromBound(["https://localhost:8443", "http://localhost:8000"], null));
        Assert.Null(StateAddress.FromBound([], "10.0.0.1"));
    }
}
