using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace HTag.Server.Tests;

/// <summary>POST /_htag/upload: a file streamed to the tag's upload handler, with a size limit.</summary>
public sealed class UploadTests
{
    static async Task<(HttpStatusCode Status, JsonElement Reply)> UploadAsync(Harness h, AppPage page, string name, HttpContent content, string? id = null)
    {
        using var res = await h.Http.PostAsync($"/_htag/upload?app=/&i={page.Instance}&id={id ?? page.IdOf("class=\"file\"")}&name={Uri.EscapeDataString(name)}", content);
        return (res.StatusCode, JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    static byte[] Random(int n) => RandomNumberGenerator.GetBytes(n);

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // no declared length: chunked transfer encoding
    public async Task A_file_reaches_the_handler_as_a_stream_and_its_changes_reach_the_page(bool chunked)
    {
        await using var h = await Harness.StartAsync(s => s.Map<UploadApp>("/"));
        var page = await h.GetPageAsync("/");
        Assert.Contains("data-htag-upload=\"\"", page.Html);
        var data = Random(3 * 1024 * 1024);
        HttpContent content = chunked ? new StreamContent(new NoLengthStream(data)) : new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-test");
        var (status, reply) = await UploadAsync(h, page, "../dir/data.bin", content);
        Assert.Equal(HttpStatusCode.OK, status);
        var html = reply.GetProperty("update").EnumerateObject().Single().Value.GetString()!;
        Assert.Contains($"data.bin|application/x-test|{Convert.ToHexStringLower(SHA256.HashData(data))}", html); // no folders in the name
    }

    [Theory]
    [InlineData(".", "upload")]
    [InlineData("..", "upload")]
    [InlineData("dir/..", "upload")]
    [InlineData("a\0b.txt", "ab.txt")]
    [InlineData("\u0001", "upload")]
    public async Task A_file_name_that_names_a_folder_or_holds_control_characters_is_made_safe(string sent, string seen)
    {
        await using var h = await Harness.StartAsync(s => s.Map<UploadApp>("/"));
        var page = await h.GetPageAsync("/");
        var (status, reply) = await UploadAsync(h, page, sent, new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($">{seen}|", reply.GetProperty("update").EnumerateObject().Single().Value.GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_file_over_the_limit_is_a_413_and_the_app_carries_on(bool chunked)
    {
        await using var h = await Harness.StartAsync(s => s.Map<UploadApp>("/"), o => o.MaxUploadBytes = 1024 * 1024);
        var page = await h.GetPageAsync("/");
        var data = Random(1024 * 1024 + 1);
        var (status, reply) = await UploadAsync(h, page, "big.bin", chunked ? new StreamContent(new NoLengthStream(data)) : new ByteArrayContent(data));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("over the upload limit of 1 MB", reply.GetProperty("err").GetString());
        var ok = Random(1024 * 1024);
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(h, page, "ok.bin", new ByteArrayContent(ok))).Status);
    }

    [Fact]
    public async Task Bad_uploads_get_clear_errors_and_the_app_carries_on()
    {
        await using var h = await Harness.StartAsync(s => s.Map<UploadApp>("/").Map<UploadApp>("/p", o => o.Parano = true));
        var page = await h.GetPageAsync("/");
        var (status, reply) = await UploadAsync(h, page, "boom", new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("upload handler blew up", reply.GetProperty("err").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await UploadAsync(h, page, "x", new ByteArrayContent([1]), id: "h0")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await h.Http.GetAsync($"/_htag/upload?app=/&i={page.Instance}&id=x")).StatusCode);
        var p = await h.GetPageAsync("/p");
        using (var res = await h.Http.PostAsync($"/_htag/upload?app=/p&i={p.Instance}&id={p.IdOf("class=\"file\"")}&name=x", new ByteArrayContent([1])))
            Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(h, page, "fine", new ByteArrayContent([1, 2, 3]))).Status);
    }

    /// <summary>A stream that does not tell its length, so HttpClient sends it chunked.</summary>
    sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    [Fact]
    public async Task Uploads_while_a_handler_changes_the_tree_wait_for_it_and_succeed()
    {
        await using var h = await Harness.StartAsync(s => s.Map<ChurnUploadApp>("/"));
        var page = await h.GetPageAsync("/");
        using var ws = await h.ConnectAsync(page);
        var before = ChurnUploadApp.Churning;
        await ws.ClickAsync(page.IdOf("class=\"churn\""));
        await Eventually.True(() => ChurnUploadApp.Churning > before, TimeSpan.FromSeconds(30), "the handler changing the tree");
        // The field is looked up in the tag tree, which is the app's: under its lock, never beside a running handler.
        var field = page.IdOf("class=\"file\"");
        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var res = await h.Http.PostAsync($"/_htag/upload?app=/&i={page.Instance}&id={field}&name=f{i}", new ByteArrayContent(Random(100)));
            return $"{(int)res.StatusCode} {await res.Content.ReadAsStringAsync()}";
        }));
        Assert.All(statuses, s => Assert.StartsWith("200 ", s));
    }
}
