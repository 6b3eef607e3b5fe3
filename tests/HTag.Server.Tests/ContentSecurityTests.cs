namespace HTag.Server.Tests;

/// <summary>The page CSP: strict by default, extra sources per server and per app, bad sources refused at start.</summary>
public sealed class ContentSecurityTests
{
    static async Task<string> PolicyOfAsync(Harness h, string path)
    {
        using var res = await h.Http.GetAsync(path);
        return res.Headers.GetValues("Content-Security-Policy").Single();
    }

    [Fact]
    public async Task Default_is_strict_and_sources_add_per_server_and_per_app()
    {
        await using var h = await Harness.StartAsync(s => s
            .Map<CounterApp>("/")
            .Map<CounterApp>("/cdn", o => { o.ContentSecurity.Styles.Add("https://cdn.example.org"); o.ContentSecurity.FrameAncestors.Add("https://portal.example.org"); }),
            o => o.ContentSecurity.Images.Add("https://img.example.org"));
        var plain = await PolicyOfAsync(h, "/");
        Assert.Matches("script-src 'nonce-[^']+' 'strict-dynamic'; style-src 'self' 'nonce-[^']+'; ", plain);
        Assert.Contains("img-src 'self' data: https://img.example.org;", plain);
        Assert.Contains("frame-ancestors 'none'", plain);
        Assert.DoesNotContain("cdn.example.org", plain);
        Assert.Contains("object-src 'none'; base-uri 'none'", plain);
        var cdn = await PolicyOfAsync(h, "/cdn");
        Assert.Matches("style-src 'self' 'nonce-[^']+' https://cdn.example.org;", cdn);
        Assert.Contains("img-src 'self' data: https://img.example.org;", cdn);
        Assert.Contains("frame-ancestors https://portal.example.org;", cdn);
    }

    [Theory]
    [InlineData("https://a.example.org; script-src *")]
    [InlineData("https://a.example.org,x")]
    [InlineData("'nonce-abc'")]
    [InlineData("")]
    public async Task A_source_that_could_change_the_policy_fails_the_start(string source)
    {
        var server = HTagServer.Create(["--urls", "http://127.0.0.1:0"]).Configure(o => o.Token = Harness.Token)
            .Map<CounterApp>("/", o => o.ContentSecurity.Scripts.Add(source));
        await Assert.ThrowsAsync<ArgumentException>(() => server.StartAsync());
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_script_url_static_loads_with_the_page_nonce_after_htag_js()
    {
        await using var h = await Harness.StartAsync(s => s.Map<ScriptUrlApp>("/"));
        var page = await h.GetPageAsync("/");
        Assert.Matches("<script nonce=\"([^\"]+)\" data-htag-static=\"[0-9a-f]+\" src=\"/app.js\" defer></script>", page.Html);
        var nonce = System.Text.RegularExpressions.Regex.Match(page.Html, "src=\"/_htag/htag.js[^\"]*\" nonce=\"([^\"]+)\"").Groups[1].Value;
        Assert.Contains($"<script nonce=\"{nonce}\" data-htag-static=", page.Html);
    }
}

public sealed class ScriptUrlApp : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.ScriptUrl("/app.js")];
}
