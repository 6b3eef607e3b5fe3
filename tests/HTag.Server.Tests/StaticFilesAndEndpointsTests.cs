using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using System.Text;

namespace HTag.Server.Tests;

/// <summary>The web root (ETag, ranges, types, no listing, no way out of the root) and MapGet/MapPost endpoints.</summary>
public sealed class StaticFilesAndEndpointsTests : IAsyncLifetime
{
    const string Secret = "TOP-SECRET-OUTSIDE-THE-ROOT";
    readonly string _dir = Directory.CreateTempSubdirectory("htag-webroot-").FullName;
    string Root => Path.Combine(_dir, "wwwroot");
    Harness _h = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(Root, "sub"));
        Directory.CreateDirectory(Path.Combine(_dir, "outside"));
        await File.WriteAllTextAsync(Path.Combine(Root, "style.css"), "body{color:#123456}");
        await File.WriteAllBytesAsync(Path.Combine(Root, "sub", "pixel.png"), Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));
        await File.WriteAllTextAsync(Path.Combine(Root, "data.xyz"), "unknown type");
        await File.WriteAllTextAsync(Path.Combine(Root, ".env"), Secret);
        Directory.CreateDirectory(Path.Combine(Root, ".hidden"));
        Directory.CreateDirectory(Path.Combine(Root, ".git"));
        await File.WriteAllTextAsync(Path.Combine(Root, ".hidden", "inner.txt"), Secret);
        await File.WriteAllTextAsync(Path.Combine(Root, ".git", "config.json"), Secret);
        await File.WriteAllTextAsync(Path.Combine(_dir, "secret.txt"), Secret);
        await File.WriteAllTextAsync(Path.Combine(_dir, "outside", "secret.txt"), Secret);
        File.CreateSymbolicLink(Path.Combine(Root, "link-out.txt"), Path.Combine(_dir, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(Root, "dir-out"), Path.Combine(_dir, "outside"));
        File.CreateSymbolicLink(Path.Combine(Root, "link-in.css"), Path.Combine(Root, "style.css"));
        _h = await Harness.StartAsync(s => s
            .Map<CounterApp>("/")
            .MapGet("/report.csv", async ctx =>
            {
                using var data = new MemoryStream(Encoding.UTF8.GetBytes("a,b\n1,2\n"));
                await ctx.Response.DownloadAsync(data, "rapport été.csv", ct: ctx.RequestAborted);
            })
            .MapPost("/echo", async ctx =>
            {
                using var body = new StreamReader(ctx.Request.Body);
                var text = await body.ReadToEndAsync(ctx.RequestAborted);
                await ctx.Response.WriteAsJsonAsync(new EchoReply(text.Length, ctx.HTagUser().IsAuthenticated), EchoJson.Default.EchoReply, cancellationToken: ctx.RequestAborted);
            })
            .MapGet("/boom", _ => throw new InvalidOperationException("endpoint blew up")),
            o => o.WebRoot = Root);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Files_come_with_their_type_etag_last_modified_conditional_requests_and_ranges()
    {
        using var css = await _h.Http.GetAsync("/style.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
        Assert.Equal("body{color:#123456}", await css.Content.ReadAsStringAsync());
        var etag = css.Headers.ETag!;
        Assert.NotNull(css.Content.Headers.LastModified);
        Assert.Equal("nosniff", css.Headers.GetValues("X-Content-Type-Options").Single());

        using var again = new HttpRequestMessage(HttpMethod.Get, "/style.css");
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await _h.Http.SendAsync(again)).StatusCode);

        using var since = new HttpRequestMessage(HttpMethod.Get, "/style.css");
        since.Headers.IfModifiedSince = css.Content.Headers.LastModified;
        Assert.Equal(HttpStatusCode.NotModified, (await _h.Http.SendAsync(since)).StatusCode);

        using var range = new HttpRequestMessage(HttpMethod.Get, "/style.css");
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 3);
        using var part = await _h.Http.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal("body", await part.Content.ReadAsStringAsync());
        Assert.Equal("bytes 0-3/19", part.Content.Headers.ContentRange!.ToString());

        using var png = await _h.Http.GetAsync("/sub/pixel.png");
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await _h.Http.GetAsync("/link-in.css")).StatusCode); // a link inside the root is fine
        using var head = await _h.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/style.css"));
        Assert.Equal(19, head.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("/sub/")]
    [InlineData("/sub")]
    [InlineData("/data.xyz")] // unknown content type: not served
    [InlineData("/.env")]     // dot-files are hidden
    [InlineData("/.hidden/inner.txt")] // and so is everything in a dot-folder (issue 27)
    [InlineData("/.git/config.json")]
    [InlineData("/../secret.txt")]
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/%2E%2E%2Fsecret.txt")]
    [InlineData("/..%2fsecret.txt")]
    [InlineData("/sub/..%2f..%2fsecret.txt")]
    [InlineData("/sub/%2e%2e/%2e%2e/secret.txt")]
    [InlineData("/..%5csecret.txt")]
    [InlineData("//etc/passwd")]
    [InlineData("/%2fetc%2fpasswd")]
    [InlineData("/link-out.txt")]        // a symlink out of the root
    [InlineData("/dir-out/secret.txt")]  // through a linked folder out of the root
    [InlineData("/dir-out/../secret.txt")]
    public async Task Nothing_outside_the_root_no_listing_clear_4xx_and_the_server_carries_on(string path)
    {
        var (status, body) = await RawGetAsync(path);
        Assert.InRange(status, 400, 499);
        Assert.DoesNotContain(Secret, body);
        Assert.DoesNotContain("root:", body);
        Assert.Equal(HttpStatusCode.OK, (await _h.Http.GetAsync("/style.css")).StatusCode);
    }

    [Fact]
    public async Task Files_and_endpoints_need_the_token()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(_h.BaseUrl) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/style.css")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/report.csv")).StatusCode);
    }

    [Fact]
    public async Task Endpoints_answer_beside_the_apps_with_downloads_and_json_and_a_failing_one_is_a_500()
    {
        using var csv = await _h.Http.GetAsync("/report.csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("rapport été.csv", csv.Content.Headers.ContentDisposition.FileNameStar);
        Assert.Equal("a,b\n1,2\n", await csv.Content.ReadAsStringAsync());

        using var echo = await _h.Http.PostAsync("/echo", new StringContent("hello"));
        Assert.Equal(new EchoReply(5, false), await echo.Content.ReadFromJsonAsync(EchoJson.Default.EchoReply));
        Assert.Equal(HttpStatusCode.NotFound, (await _h.Http.PostAsync("/report.csv", new StringContent(""))).StatusCode);

        using var boom = await _h.Http.GetAsync("/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, boom.StatusCode);
        Assert.DoesNotContain("blew up", await boom.Content.ReadAsStringAsync()); // no detail outside Debug
        Assert.Contains("class=\"count\"", await _h.Http.GetStringAsync("/"));
    }

    [Fact]
    public void Endpoints_cannot_take_reserved_paths()
    {
        var s = HTagServer.Create([]);
        Assert.Throws<ArgumentException>(() => s.MapGet("/_htag/x", _ => Task.CompletedTask));
        Assert.Throws<ArgumentException>(() => s.MapGet("/healthz", _ => Task.CompletedTask));
        Assert.Throws<ArgumentException>(() => s.MapPost("nope", _ => Task.CompletedTask));
    }

    /// <summary>One request with the path sent byte for byte (HttpClient would normalise the dots away).</summary>
    async Task<(int Status, string Body)> RawGetAsync(string path)
    {
        var uri = new Uri(_h.BaseUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {path} HTTP/1.1\r\nHost: localhost\r\nX-HTag-Token: {Harness.Token}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(response.Split(' ', 3)[1]);
        return (status, response);
    }
}

public sealed record EchoReply(int Length, bool SignedIn);

[System.Text.Json.Serialization.JsonSerializable(typeof(EchoReply))]
public sealed partial class EchoJson : System.Text.Json.Serialization.JsonSerializerContext;
