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

public class DemoWatchdogTests
{
    [Fact]
    public async Task Cpu_bound_handler_past_timeout_and_grace_makes_the_userpod_exit_non_zero()
    {
        // The deadline covers every piece of app code, the first page's render too: 0.5 s was shorter than that render
        // (JIT, cold) on a busy CI machine (run x4: the page itself answered 503). The burn is endless, so any deadline
        // shows the exit.
        await using var demo = await DemoProcess.StartAsync("t", new Dictionary<string, string>
        {
            ["HTAG_INTERACTION_TIMEOUT"] = "3",
            ["HTAG_TIMEOUT_GRACE"] = "1",
        });
        using var http = new HttpClient { BaseAddress = new Uri(demo.BaseUrl) };
        http.DefaultRequestHeaders.Add("X-HTag-Token", "t");
        var page = new AppPage(await http.GetStringAsync("/slow"));
        using var ws = new System.Net.WebSockets.ClientWebSocket();
        ws.Options.SetRequestHeader("X-HTag-Token", "t");
        await ws.ConnectAsync(new Uri(demo.BaseUrl.Replace("http", "ws") + "/_htag/ws?app=/slow&i=" + page.Instance), CancellationToken.None);
        var client = new WsClient(ws);
        await client.ClickAsync(page.IdOf("class=\"burn\""));
        Assert.Contains("timed out", (await client.ReceiveAsync())!.Value.GetProperty("err").GetString());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await demo.Process.WaitForExitAsync(cts.Token);
        Assert.Equal(75, demo.Process.ExitCode);
    }
}

/// <summary>HTAG_LIFELINE=stdin: the userpod stops when its stdin (the router's pipe) ends, unless released with "keep".</summary>
public class DemoLifelineTests
{
    static readonly Dictionary<string, string> Lifeline = new() { ["HTAG_LIFELINE"] = "stdin" };

    [Fact]
    public async Task The_end_of_stdin_stops_the_userpod_cleanly()
    {
        await using var demo = await DemoProcess.StartAsync("t", Lifeline);
        demo.Process.StandardInput.Close(); // what the kernel does when the router dies
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await demo.Process.WaitForExitAsync(cts.Token);
        Assert.Equal(0, demo.Process.ExitCode);
        Assert.Contains("stdin ended", demo.Output);
    }

    [Fact]
    public async Task Released_with_keep_the_userpod_outlives_the_end_of_stdin()
    {
        await using var demo = await DemoProcess.StartAsync("t", Lifeline);
        await demo.Process.StandardInput.WriteLineAsync("keep");
        await demo.Process.StandardInput.FlushAsync();
        await Eventually.True(() => demo.Output.Contains("released by the router"), TimeSpan.FromSeconds(10), "the release");
        // Released, the userpod no longer reads its stdin: its end cannot stop it.
        demo.Process.StandardInput.Close();
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync(demo.BaseUrl + "/healthz"));
        Assert.False(demo.Process.HasExited);
    }
}
