using System.Buffers.Text;
using System.Net;
using System.Text;

namespace HTag.Server.Tests;

/// <summary>Apps read the request and the user the router vouches for (X-HTag-User), in Init and in handlers.</summary>
public sealed class RequestAndUserTests
{
    static string UserHeader(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    static HttpRequestMessage Get(string url, string? user)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, url);
        req.Headers.Add("User-Agent", "probe/1");
        req.Headers.Add("Cookie", "pref=dark; htagkube_uid=secret-uid");
        req.Headers.Add("X-Forwarded-For", "203.0.113.7");
        if (user is not null) req.Headers.Add("X-HTag-User", user);
        return req;
    }

    [Fact]
    public async Task Init_and_handlers_see_the_request_and_the_signed_in_user_but_not_the_uid_or_token()
    {
        await using var h = await Harness.StartAsync(s => s.Map<InitApp>("/init"));
        var user = UserHeader("{\"iss\":\"https://idp.example\",\"sub\":\"u-42\",\"name\":\"Ann Ö\",\"email\":\"ann@example.org\",\"groups\":[\"staff\",\"ops\"]}");
        using var res = await h.Http.SendAsync(Get("/init?mode=ok&extra=yes", user));
        var page = new AppPage(await res.Content.ReadAsStringAsync());
        var shown = WebUtility.HtmlDecode(page.Html);
        Assert.Contains("path=/init q=yes ua=probe/1 cookie=dark uid=False token=False ip=203.0.113.7", shown);
        Assert.Contains("user=True/u-42/Ann Ö/ann@example.org/staff,ops", shown);
        using var ws = await h.ConnectAsync(page);
        await ws.ClickAsync(page.IdOf("class=\"again\""));
        var update = WebUtility.HtmlDecode((await ws.ReceiveAsync())!.Value.GetProperty("update").EnumerateObject().Single().Value.GetString());
        Assert.Contains("handler path=/init q=yes", update);
        Assert.Contains("user=True/u-42/", update);

        // A later page load of the same instance brings the router's latest word on the user (e.g. new groups).
        var again = UserHeader("{\"sub\":\"u-42\",\"name\":\"Ann Ö\",\"groups\":[\"staff\"]}");
        using var res2 = await h.Http.SendAsync(Get("/init?mode=ok&extra=yes", again));
        Assert.Equal(page.Instance, new AppPage(await res2.Content.ReadAsStringAsync()).Instance);
        await ws.ClickAsync(page.IdOf("class=\"again\""));
        var later = WebUtility.HtmlDecode((await ws.ReceiveAsync())!.Value.GetProperty("update").EnumerateObject().Single().Value.GetString());
        Assert.Contains("user=True/u-42/Ann Ö//staff", later);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not base64 !!")]
    [InlineData("bm90IGpzb24")] // "not json"
    [InlineData("WzFd")] // [1]
    public async Task No_or_a_malformed_user_header_is_anonymous_and_nothing_breaks(string? header)
    {
        await using var h = await Harness.StartAsync(s => s.Map<InitApp>("/init"));
        using var res = await h.Http.SendAsync(Get("/init?mode=ok", header));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Contains("user=False////", await res.Content.ReadAsStringAsync());
    }
}
