using System.Net;
using HTagKube.Routing.Identity;
using HTagKube.Router.Hosting;
using HTagKube.Router.Identity;
using HTagKube.Router.Provisioning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>The real router (same builder as Program.cs) on a free loopback port, in the test process.</summary>
public sealed class RouterHost : IAsyncDisposable
{
    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public LocalProcessProvisioner Provisioner => App.Services.GetRequiredService<LocalProcessProvisioner>();

    RouterHost(WebApplication app, Uri baseAddress) { App = app; BaseAddress = baseAddress; }

    /// <summary>Starts a router; the test userpod is the default userpod unless args name another.</summary>
    public static Task<RouterHost> StartAsync(params string[] args) => StartAsync(null, args);

    /// <summary>Starts a router with some of its services replaced (a fake provisioner, a fixed user…).</summary>
    public static async Task<RouterHost> StartAsync(Action<IServiceCollection>? replace, params string[] args)
    {
        var all = new List<string> { "--urls", "http://127.0.0.1:0" };
        if (!args.Contains("--userpod-command")) all.AddRange(["--userpod-command", TestPaths.TestUserpodCommand]);
        all.AddRange(TestStartWait.Default(args));
        var app = await RouterApp.BuildAsync([.. all], replace);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RouterHost(app, new Uri(address + "/"));
    }

    /// <summary>One browser: its own cookie jar.</summary>
    public HttpClient NewClient(CookieContainer? jar = null) =>
        new(new SocketsHttpHandler { CookieContainer = jar ?? new CookieContainer(), UseCookies = true, AllowAutoRedirect = false })
        { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A client that always sends this uid (tests that need to know the user's key).</summary>
    public HttpClient ClientWithUid(string uid) => NewClient(JarWith(uid));

    public CookieContainer JarWith(string uid)
    {
        var jar = new CookieContainer();
        jar.SetCookies(BaseAddress, Cookie(uid));
        return jar;
    }

    /// <summary>This router's uid-cookie seal.</summary>
    public UidSeal Uids => App.Services.GetRequiredService<UidSeal>();

    /// <summary>A <c>Cookie</c> header value carrying <paramref name="uid"/>, router-issued.</summary>
    public string Cookie(string uid) => RouterCookies.Header(Uids, uid);

    /// <summary>What the router's /metrics says now.</summary>
    public async Task<string> MetricsTextAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync("metrics");
    }

    /// <summary>One unlabelled sample of the router's /metrics.</summary>
    public async Task<double> MetricAsync(string name) => WarmPool.MetricsText.Value(await MetricsTextAsync(), name);

    /// <summary>The pid of the userpod serving <paramref name="uid"/> here, or null.</summary>
    public int? PidOf(string uid) => Provisioner.Find(UserKey.FromUid(uid))?.Pid;

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
