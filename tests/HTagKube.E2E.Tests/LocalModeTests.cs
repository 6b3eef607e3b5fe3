using System.Net;
using HTagKube.E2E.Tests.Infrastructure;

namespace HTagKube.E2E.Tests;

/// <summary>
/// Issue 2's walking skeleton as a user meets it: the router program in local mode, real userpod
/// processes, real HTTP/WebSocket, real Chromium.
/// </summary>
public sealed class LocalModeTests : IClassFixture<Chromium>, IAsyncLifetime
{
    readonly Chromium _chromium;
    RouterProcess _router = null!;

    public LocalModeTests(Chromium chromium) => _chromium = chromium;

    public async Task InitializeAsync() => _router = await RouterProcess.StartAsync();
    public async Task DisposeAsync() => await _router.DisposeAsync();

    [Fact]
    public async Task Two_browsers_get_two_userpods_and_clicks_change_only_their_own_counter()
    {
        var alice = await _chromium.NewUserPageAsync();
        var bob = await _chromium.NewUserPageAsync();
        await CounterPage.OpenAsync(alice, _router.BaseAddress);
        await CounterPage.OpenAsync(bob, _router.BaseAddress);

        await CounterPage.ClickPlusOneAsync(alice, expected: 1);
        await CounterPage.ClickPlusOneAsync(alice, expected: 2);
        await CounterPage.ClickPlusOneAsync(bob, expected: 1);

        Assert.Equal("2", await CounterPage.CountAsync(alice));
        Assert.Equal("1", await CounterPage.CountAsync(bob));
        var pods = _router.Userpods;
        Assert.Equal(2, pods.Count);
        // The default warm pool (2) is refilled beside them, with processes no user has.
        await Eventually.True(() => _router.WarmPool.Count == 2, TimeSpan.FromSeconds(60), "warm pool refilled");
        Assert.Empty(_router.WarmPool.Intersect(pods));
    }

    [Fact]
    public async Task Same_cookie_reaches_the_same_process_and_a_reload_keeps_the_state()
    {
        var page = await _chromium.NewUserPageAsync();
        await CounterPage.OpenAsync(page, _router.BaseAddress);
        await CounterPage.ClickPlusOneAsync(page, expected: 1);
        await CounterPage.ClickPlusOneAsync(page, expected: 2);
        var pods = _router.Userpods.ToHashSet();

        await page.ReopenAsync();
        await CounterPage.WaitReadyAsync(page);

        Assert.Equal("2", await CounterPage.CountAsync(page));
        Assert.Equal(pods, _router.Userpods.ToHashSet());
    }

    [Fact]
    public async Task Chromium_clicks_plus_one_three_times_and_sees_3()
    {
        var page = await _chromium.NewUserPageAsync();
        await CounterPage.OpenAsync(page, _router.BaseAddress);
        for (var i = 1; i <= 3; i++) await CounterPage.ClickPlusOneAsync(page, expected: i);
        Assert.Equal("3", await CounterPage.CountAsync(page));
    }

    [Theory]
    [InlineData("htagkube_uid=")]
    [InlineData("htagkube_uid=not-a-uid")]
    [InlineData("htagkube_uid=%00%01%02<script>")]
    [InlineData("htagkube_uid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("htagkube_uid=\"quoted\"; htagkube_uid=second")]
    [InlineData("garbage without equals sign ;;; ==")]
    public async Task Malformed_cookie_gets_a_fresh_uid_never_a_500(string cookieHeader)
    {
        using var client = _router.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, CounterPage.Path);
        request.Headers.TryAddWithoutValidation("Cookie", cookieHeader);
        using var response = await client.SendAsync(request);

        Assert.True((int)response.StatusCode < 500 || response.StatusCode == HttpStatusCode.ServiceUnavailable,
            $"status {(int)response.StatusCode}");
        var issued = Cookies.UidValue(response);
        Assert.NotNull(issued);
        Assert.Matches(Cookies.SealedShape, issued);
        Assert.DoesNotContain(issued!, cookieHeader);
        Assert.False(_router.HasExited);
    }

    [Fact]
    public async Task Oversized_cookie_gets_a_fresh_uid_or_a_clean_4xx_never_a_500()
    {
        using var client = _router.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, CounterPage.Path);
        request.Headers.TryAddWithoutValidation("Cookie", "htagkube_uid=" + new string('A', 6000));
        using var response = await client.SendAsync(request);

        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        if ((int)response.StatusCode < 400) Assert.Matches(Cookies.SealedShape, Cookies.UidValue(response) ?? "");
        Assert.False(_router.HasExited);
    }

    [Fact]
    public async Task A_request_straight_to_a_userpod_without_the_token_is_refused()
    {
        using var client = _router.NewClient();
        (await client.GetAsync(CounterPage.Path)).EnsureSuccessStatusCode();
        var pod = Assert.Single(_router.Userpods);
        var port = Assert.Single(ProcessTree.ListeningPorts(pod));

        using var direct = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var noToken = await direct.GetAsync(CounterPage.Path);
        Assert.Contains(noToken.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });

        using var wrong = new HttpRequestMessage(HttpMethod.Get, CounterPage.Path);
        wrong.Headers.Add("X-HTag-Token", "guess");
        Assert.Contains((await direct.SendAsync(wrong)).StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });

        // Health stays open for the supervisor (and the kubelet).
        Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync("healthz")).StatusCode);
    }

    [Fact]
    public async Task A_client_sent_token_header_is_stripped_by_the_router()
    {
        using var client = _router.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, CounterPage.Path);
        request.Headers.Add("X-HTag-Token", "forged");
        using var response = await client.SendAsync(request);
        // The router replaces it with the real token: the page renders instead of a 401.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Counter", await response.Content.ReadAsStringAsync());
    }
}
