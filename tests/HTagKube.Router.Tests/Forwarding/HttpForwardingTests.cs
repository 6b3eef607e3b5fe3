using System.Net;
using HTagKube.Router.Tests.Infrastructure;

namespace HTagKube.Router.Tests.Forwarding;

/// <summary>Issue 4, forwarder: methods, targets, headers, streamed bodies, aborts, upstream errors.</summary>
public sealed class HttpForwardingTests(SharedRouter shared) : IClassFixture<SharedRouter>
{
    [Theory]
    [InlineData("GET", false)]
    [InlineData("HEAD", false)]
    [InlineData("DELETE", false)]
    [InlineData("OPTIONS", false)]
    [InlineData("POST", true)]
    [InlineData("PUT", true)]
    [InlineData("PATCH", true)]
    [InlineData("PROPFIND", true)]
    public async Task Every_method_reaches_the_userpod_with_its_body(string method, bool withBody)
    {
        var (_, client) = shared.NewUser();
        using var req = new HttpRequestMessage(new HttpMethod(method), "echo/x");
        if (withBody) req.Content = new StringContent("body of " + method);
        var res = await client.SendAsync(req);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(method, res.Headers.GetValues("X-Echo-Method").Single());
        if (withBody) Assert.Equal("body of " + method, await res.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_sent_with_expect_100_continue_reaches_the_userpod()
    {
        // curl sends Expect: 100-continue for bodies over 1 KB; the router answered 502 to every such request
        // (dropping the header from the upstream request threw).
        var (_, client) = shared.NewUser();
        using var req = new HttpRequestMessage(HttpMethod.Post, "echo/x") { Content = new StringContent(new string('a', 80_000)) };
        req.Headers.ExpectContinue = true;
        var res = await client.SendAsync(req);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(80_000, (await res.Content.ReadAsStringAsync()).Length);
    }

    [Theory]
    [InlineData("/echo/a%2Fb?x=1&y=%20z")]
    [InlineData("/echo/%E2%9C%93/caf%C3%A9?q=%26%3D")]
    [InlineData("/echo/p?")]
    [InlineData("/echo/p?a&b&a")]
    public async Task The_path_and_query_arrive_unchanged(string target)
    {
        var (_, client) = shared.NewUser();
        var res = await client.GetAsync(target);
        Assert.Equal(target, res.Headers.GetValues("X-Echo-Target").Single());
    }

    [Fact]
    public async Task Client_htag_headers_and_hop_by_hop_headers_are_stripped_and_forwarded_headers_set()
    {
        var (uid, client) = shared.NewUser();
        using var req = new HttpRequestMessage(HttpMethod.Get, "headers");
        req.Headers.TryAddWithoutValidation("X-HTag-Token", "forged");
        req.Headers.TryAddWithoutValidation("x-htag-whatever", "forged");
        req.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");
        req.Headers.TryAddWithoutValidation("Connection", "X-Secret-Hop");
        req.Headers.TryAddWithoutValidation("X-Secret-Hop", "hop");
        req.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
        req.Headers.TryAddWithoutValidation("X-App", "kept");
        req.Headers.TryAddWithoutValidation("Cookie", "theme=dark");
        var text = await (await client.SendAsync(req)).Content.ReadAsStringAsync();
        var headers = text.Split('\n').Select(l => l.Split(": ", 2)).ToLookup(p => p[0].ToLowerInvariant(), p => p[1]);

        Assert.Equal(shared.TokenOf(uid), headers["x-htag-token"].Single());
        Assert.Empty(headers["x-htag-whatever"]);
        Assert.Empty(headers["x-secret-hop"]);
        Assert.Empty(headers["keep-alive"]);
        Assert.Equal("kept", headers["x-app"].Single());
        Assert.Equal("127.0.0.1", headers["x-forwarded-for"].Single());
        Assert.Equal("http", headers["x-forwarded-proto"].Single());
        Assert.Equal(shared.Router.BaseAddress.Authority, headers["x-forwarded-host"].Single());
        // The uid is a bearer secret: the userpod never sees it; other cookies pass.
        var cookie = headers["cookie"].Single();
        Assert.Contains("theme=dark", cookie);
        Assert.DoesNotContain("htagkube_uid", cookie);
        Assert.DoesNotContain(uid, text);
    }

    [Fact]
    public async Task A_content_header_the_client_lists_in_connection_is_dropped_not_a_502()
    {
        var (_, client) = shared.NewUser();
        using var req = new HttpRequestMessage(HttpMethod.Post, "headers") { Content = new StringContent("body") };
        req.Content.Headers.ContentLanguage.Add("fr");
        req.Headers.TryAddWithoutValidation("Connection", "Content-Language");
        var res = await client.SendAsync(req);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.DoesNotContain("content-language", (await res.Content.ReadAsStringAsync()).ToLowerInvariant());
    }

    [Fact]
    public async Task Response_hop_by_hop_headers_are_removed_and_app_cookies_kept_beside_the_uid_cookie()
    {
        using var fresh = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = shared.Router.BaseAddress };
        var res = await fresh.GetAsync("echo/x");
        Assert.False(res.Headers.Contains("X-Custom-Hop"));
        var cookies = res.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains(cookies, c => c.StartsWith("htagkube_uid="));
        Assert.Contains(cookies, c => c.StartsWith("app=1"));
    }

    [Fact]
    public async Task Upstream_status_codes_pass_through()
    {
        var (_, client) = shared.NewUser();
        foreach (var code in new[] { 201, 204, 302, 404, 418, 500, 503 })
            Assert.Equal(code, (int)(await client.GetAsync($"status/{code}")).StatusCode);
    }

    [Fact]
    public async Task A_50_MB_upload_streams_through_the_userpod_sees_bytes_before_the_client_finished()
    {
        var (_, client) = shared.NewUser();
        var id = Guid.NewGuid().ToString("N");
        var content = new GatedUploadContent(50 * 1024 * 1024, async () =>
            await Eventually.True(async () => long.Parse(await client.GetStringAsync($"upload-progress/{id}")) > 0,
                TimeSpan.FromSeconds(20), "upstream saw the first bytes while the upload was still going"));
        var res = await client.PostAsync($"upload-tracked/{id}", content);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal((50L * 1024 * 1024).ToString(), await res.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_50_MB_download_streams_the_client_reads_before_the_userpod_finished()
    {
        var (_, client) = shared.NewUser();
        var id = Guid.NewGuid().ToString("N");
        using var res = await client.GetAsync($"download-gated/{id}?mb=50", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await res.Content.ReadAsStreamAsync();
        var buffer = new byte[256 * 1024];
        long total = 0;
        while (total < 1024 * 1024) total += await body.ReadAsync(buffer);  // first MiB arrives before the gate opens
        await (await client.PostAsync($"release/{id}", null)).Content.ReadAsStringAsync();
        int n;
        while ((n = await body.ReadAsync(buffer)) > 0) total += n;
        Assert.Equal(50L * 1024 * 1024, total);
    }

    [Fact]
    public async Task A_client_abort_cancels_the_upstream_call()
    {
        var (_, client) = shared.NewUser();
        var before = int.Parse(await client.GetStringAsync("aborts"));
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("slow?ms=30000", cts.Token));
        await Eventually.True(async () => int.Parse(await client.GetStringAsync("aborts")) == before + 1,
            TimeSpan.FromSeconds(10), "upstream handler cancelled");
    }

    [Fact]
    public async Task An_upstream_that_drops_the_connection_gives_a_short_502()
    {
        var (_, client) = shared.NewUser();
        var res = await client.GetAsync("abort");
        Assert.Equal(HttpStatusCode.BadGateway, res.StatusCode);
        Assert.True((await res.Content.ReadAsStringAsync()).Length < 200);
    }

    [Fact]
    public async Task An_upstream_slower_than_the_timeout_gives_a_504()
    {
        await using var router = await RouterHost.StartAsync("--upstream-timeout", "00:00:00.5");
        using var client = router.NewClient();
        var res = await client.GetAsync("slow?ms=5000");
        Assert.Equal(HttpStatusCode.GatewayTimeout, res.StatusCode);
        Assert.Equal("ok", (await client.GetStringAsync("healthz")).Trim()); // the router itself is fine
    }

    [Fact]
    public async Task A_body_over_the_configured_limit_is_refused_with_413()
    {
        await using var router = await RouterHost.StartAsync("--max-request-body", "1000");
        using var client = router.NewClient();
        var res = await client.PostAsync("upload", new ByteArrayContent(new byte[5000]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, res.StatusCode);
        Assert.Equal("1000", await (await client.PostAsync("upload", new ByteArrayContent(new byte[1000]))).Content.ReadAsStringAsync());
    }

    /// <summary>Sends 1 MiB, waits until <paramref name="afterFirstMiB"/> completes, then sends the rest.</summary>
    sealed class GatedUploadContent(long length, Func<Task> afterFirstMiB) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            long sent = 0;
            while (sent < length)
            {
                await stream.WriteAsync(chunk);
                sent += chunk.Length;
                if (sent == 1024 * 1024) { await stream.FlushAsync(); await afterFirstMiB(); }
            }
        }

        protected override bool TryComputeLength(out long len) { len = length; return true; }
    }
}
