using System.Net;

namespace HTag.Server.Tests;

public class DemoProcessTests
{
    [Fact]
    public async Task Demo_prints_its_bound_address_and_serves_the_counter_with_the_token()
    {
        await using var demo = await DemoProcess.StartAsync("demo-token");
        Assert.Matches("^http://127\\.0\\.0\\.1:[1-9][0-9]*$", demo.BaseUrl);
        using var http = new HttpClient { BaseAddress = new Uri(demo.BaseUrl) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/counter")).StatusCode);
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
        http.DefaultRequestHeaders.Add("X-HTag-Token", "demo-token");
        var html = await http.GetStringAsync("/counter");
        Assert.Contains("<h1", html);
        Assert.Contains("class=\"count\">0</span>", html);
    }
}
