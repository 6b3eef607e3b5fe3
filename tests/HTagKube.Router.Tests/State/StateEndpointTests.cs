using System.Net;
using System.Text;
using HTagKube.Contract;
using HTagKube.Router.State;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace HTagKube.Router.Tests.State;

/// <summary>
/// <c>/_htagkube/state</c> through a real router (in-memory backend) and the test userpod, which calls it the way a
/// userpod does (its <c>/state</c> path: the state URL and key it was told, its own token).
/// </summary>
public sealed class StateEndpointTests(SharedRouter shared) : IClassFixture<SharedRouter>
{
    RouterHost Router => shared.Router;
    IStateStore Store => Router.App.Services.GetRequiredService<IStateStore>();

    /// <summary>A user whose userpod is running (one request made).</summary>
    async Task<(string Uid, string UserKey, HttpClient Client)> UserWithUserpodAsync()
    {
        var (uid, client) = shared.NewUser();
        await Whoami.GetAsync(client);
        return (uid, UserKey.FromUid(uid), client);
    }

    static StringContent Json(string json) => new(json, Encoding.UTF8, StateProtocol.ContentType);

    /// <summary>A call to the router's state endpoint as a userpod makes it, straight from the test.</summary>
    Task<HttpResponseMessage> CallAsync(HttpMethod method, string? userKey, string? token, HttpContent? body = null)
    {
        var http = new HttpClient { BaseAddress = Router.BaseAddress };
        var req = new HttpRequestMessage(method, StateProtocol.Path.TrimStart('/')) { Content = body };
        if (userKey is not null) req.Headers.TryAddWithoutValidation(Headers.StateKey, userKey);
        if (token is not null) req.Headers.TryAddWithoutValidation(Headers.Token, token);
        return http.SendAsync(req);
    }

    /// <summary>A JSON object of exactly <paramref name="bytes"/> bytes.</summary>
    static string ObjectOfSize(int bytes) => "{\"x\":\"" + new string('a', bytes - 8) + "\"}";

    [Fact]
    public async Task A_userpod_stores_and_reads_back_its_users_document_through_the_router()
    {
        var (_, userKey, client) = await UserWithUserpodAsync();

        var none = await client.GetAsync("state");
        Assert.Equal("204", await none.StateStatusAsync());

        var put = await client.PutAsync("state", Json("""{"counter":41,"text":"héllo"}"""));
        Assert.Equal("204", await put.StateStatusAsync());

        var get = await client.GetAsync("state");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("""{"counter":41,"text":"héllo"}""", await get.Content.ReadAsStringAsync());
        Assert.Equal("""{"counter":41,"text":"héllo"}""", Encoding.UTF8.GetString((await Store.GetAsync(userKey, TimeSpan.FromMinutes(1), default))!));
    }

    [Fact]
    public async Task The_endpoint_answers_the_document_as_json_and_204_when_none()
    {
        var (uid, userKey, _) = await UserWithUserpodAsync();
        var token = shared.TokenOf(uid);
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Get, userKey, token)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, userKey, token, Json("""{"a":[1,2]}"""))).StatusCode);
        var get = await CallAsync(HttpMethod.Get, userKey, token);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(StateProtocol.ContentType, get.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"a":[1,2]}""", await get.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_hostile_userpod_can_neither_read_nor_write_another_users_state()
    {
        var (_, aliceKey, alice) = await UserWithUserpodAsync();
        var (bobUid, bobKey, bob) = await UserWithUserpodAsync();
        Assert.Equal("204", await (await bob.PutAsync("state", Json("""{"secret":"bob's"}"""))).StateStatusAsync());

        // Alice's userpod (any code) knows Bob's key only by guessing, and only its own token.
        var read = await alice.GetAsync("state?key=" + bobKey);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.DoesNotContain("secret", await read.Content.ReadAsStringAsync());
        var write = await alice.PutAsync("state?key=" + bobKey, Json("""{"secret":"overwritten"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);

        // No token, an empty token, a made-up token: the same.
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Get, bobKey, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Get, bobKey, "")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Get, bobKey, Tokens.New())).StatusCode);
        // A user without a userpod has no token that opens its state.
        var nobody = UserKey.FromUid(UserKey.NewUid());
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(HttpMethod.Put, nobody, shared.TokenOf(bobUid), Json("{}"))).StatusCode);

        Assert.Equal("""{"secret":"bob's"}""", Encoding.UTF8.GetString((await Store.GetAsync(bobKey, TimeSpan.FromMinutes(1), default))!));
        Assert.Null(await Store.GetAsync(aliceKey, TimeSpan.FromMinutes(1), default));
        Assert.Null(await Store.GetAsync(nobody, TimeSpan.FromMinutes(1), default));
        Assert.Contains("htagkube_state_refused_total{reason=\"forbidden\"}", await Router.MetricsTextAsync());
    }

    [Fact]
    public async Task A_document_over_the_limit_is_refused_with_413_and_the_previous_one_stays()
    {
        var (uid, userKey, client) = await UserWithUserpodAsync();
        var token = shared.TokenOf(uid);
        var max = StateProtocol.DefaultMaxBytes;
        var atLimit = ObjectOfSize(max);
        Assert.Equal(max, Encoding.UTF8.GetByteCount(atLimit));
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, userKey, token, Json(atLimit))).StatusCode);

        // One byte over, with a Content-Length…
        var over = await CallAsync(HttpMethod.Put, userKey, token, Json(ObjectOfSize(max + 1)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.StatusCode);
        Assert.Contains($"limit of {max} bytes", await over.Content.ReadAsStringAsync());
        // …and streamed without one (chunked): the router stops reading past the limit.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(ObjectOfSize(3 * max))));
        var overChunked = new HttpRequestMessage(HttpMethod.Put, StateProtocol.Path.TrimStart('/')) { Content = chunked };
        overChunked.Headers.TransferEncodingChunked = true;
        overChunked.Headers.TryAddWithoutValidation(Headers.StateKey, userKey);
        overChunked.Headers.TryAddWithoutValidation(Headers.Token, token);
        using var http = new HttpClient { BaseAddress = Router.BaseAddress };
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await http.SendAsync(overChunked)).StatusCode);
        // …and through the userpod, as a userpod sees it.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PutAsync("state", Json(ObjectOfSize(max + 1)))).StatusCode);

        Assert.Equal(atLimit, await (await CallAsync(HttpMethod.Get, userKey, token)).Content.ReadAsStringAsync());
        Assert.Contains("htagkube_state_refused_total{reason=\"too-large\"}", await Router.MetricsTextAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("{\"open\":")]
    [InlineData("{} {}")]
    [InlineData("{\"a\":1}x")]
    public async Task A_body_that_is_not_one_json_object_is_refused_with_400_and_nothing_changes(string body)
    {
        var (uid, userKey, _) = await UserWithUserpodAsync();
        var token = shared.TokenOf(uid);
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, userKey, token, Json("""{"kept":1}"""))).StatusCode);

        var res = await CallAsync(HttpMethod.Put, userKey, token, Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Contains("JSON object", await res.Content.ReadAsStringAsync());
        Assert.Equal("""{"kept":1}""", await (await CallAsync(HttpMethod.Get, userKey, token)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_malformed_or_missing_key_is_refused_with_400_whatever_the_token()
    {
        var (uid, userKey, _) = await UserWithUserpodAsync();
        var token = shared.TokenOf(uid);
        foreach (var bad in new[] { uid, userKey.ToUpperInvariant(), userKey + "0", userKey[..31], "../" + userKey[3..], "" })
            Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(HttpMethod.Get, bad, token)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(HttpMethod.Get, null, token)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(HttpMethod.Put, uid, token, Json("{}"))).StatusCode);
        Assert.Null(await Store.GetAsync(userKey, TimeSpan.FromMinutes(1), default));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task Other_methods_are_405(string method)
    {
        var (uid, userKey, _) = await UserWithUserpodAsync();
        var res = await CallAsync(new HttpMethod(method), userKey, shared.TokenOf(uid), Json("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, res.StatusCode);
        Assert.Equal(["GET", "PUT"], res.Content.Headers.Allow.Order());
        Assert.Null(await Store.GetAsync(userKey, TimeSpan.FromMinutes(1), default));
    }

    [Fact]
    public async Task Reads_and_writes_are_counted()
    {
        var (_, _, client) = await UserWithUserpodAsync();
        var before = await Router.MetricAsync("htagkube_state_writes_total");
        await client.PutAsync("state", Json("{}"));
        await client.GetAsync("state");
        Assert.Equal(before + 1, await Router.MetricAsync("htagkube_state_writes_total"));
        Assert.Contains("htagkube_state_reads_total{found=\"true\"}", await Router.MetricsTextAsync());
    }
}
