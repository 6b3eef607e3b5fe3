using System.Net;
using System.Net.WebSockets;
using HTag.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace HTag.Server.Tests;

/// <summary>The userpod's own hosting (Kestrel without the generic host): addresses, signals, shutdown.</summary>
public class HostingTests
{
    static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void Urls_win_over_http_ports_and_the_default_is_loopback_5000()
    {
        Assert.Equal(["http://127.0.0.1:0", "http://[::1]:7000"], ListenAddresses.From(Config(("urls", "http://127.0.0.1:0; http://[::1]:7000"), ("http_ports", "8080"))));
        Assert.Equal(["http://*:8080", "http://*:8081"], ListenAddresses.From(Config(("http_ports", "8080;8081"))));
        Assert.Equal(["http://127.0.0.1:5000"], ListenAddresses.From(Config()));
        Assert.False(ListenAddresses.Configured(Config()));
        Assert.True(ListenAddresses.Configured(Config(("http_ports", "8080"))));
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080/")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://localhost:5000")]
    [InlineData("http://[::1]:5000")]
    public void Served_addresses_become_kestrel_endpoints(string url)
    {
        var k = new KestrelServerOptions();
        ListenAddresses.Apply(k, [url]);
    }

    [Theory]
    [InlineData("https://127.0.0.1:5001", "only http://")]
    [InlineData("http://example.org:80", "must be an IP address")]
    [InlineData("http://127.0.0.1", "expected http://host:port")]
    [InlineData("http://[::1]", "expected http://host:port")]
    [InlineData("http://127.0.0.1:99999", "expected http://host:port")]
    [InlineData("http://127.0.0.1:-1", "expected http://host:port")]
    public void Unservable_addresses_are_a_clear_error(string url, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => ListenAddresses.Apply(new KestrelServerOptions(), [url]));
        Assert.Contains(url, e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public async Task Demo_listens_on_ASPNETCORE_HTTP_PORTS_like_in_a_pod()
    {
        int port;
        using (var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        await using var demo = await DemoProcess.StartAsync("pod-token", new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = port.ToString() }, urls: null);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Sigterm_ends_open_websockets_and_exits_0()
    {
        await using var demo = await DemoProcess.StartAsync("term-token");
        using var http = new HttpClient { BaseAddress = new Uri(demo.BaseUrl) };
        http.DefaultRequestHeaders.Add("X-HTag-Token", "term-token");
        var page = new AppPage(await http.GetStringAsync("/counter"));
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("X-HTag-Token", "term-token");
        await ws.ConnectAsync(new Uri(demo.BaseUrl.Replace("http://", "ws://") + "/_htag/ws?app=%2Fcounter&i=" + page.Instance), CancellationToken.None);

        Assert.Equal(0, Kill(demo.Process.Id, 15));
        // An open WebSocket does not hold the stop: the process ends by itself, well within the shutdown timeout.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await demo.Process.WaitForExitAsync(cts.Token);
        Assert.Equal(0, demo.Process.ExitCode);
    }

    [Fact]
    public async Task Warnings_go_to_stderr_and_the_listening_line_to_stdout()
    {
        // No token: the userpod warns that it runs standalone. The router logs a userpod's stderr as warnings.
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(DemoProcess.DemoDll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add("http://127.0.0.1:0");
        psi.Environment.Remove("HTAG_TOKEN");
        using var p = System.Diagnostics.Process.Start(psi)!;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var stderr = await p.StandardError.ReadLineAsync(cts.Token);
            Assert.StartsWith("warn: HTag[0] HTAG_TOKEN is not set", stderr);
            string? line;
            while ((line = await p.StandardOutput.ReadLineAsync(cts.Token)) is not null && !line.StartsWith("htag-listening: ", StringComparison.Ordinal)) { }
            Assert.NotNull(line);
        }
        finally
        {
            p.Kill();
            await p.WaitForExitAsync();
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int sig);
}
