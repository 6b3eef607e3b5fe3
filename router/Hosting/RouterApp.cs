using System.Net;
using HTagKube.Routing;
using HTagKube.Router.Admission;
using HTagKube.Router.Admin;
using HTagKube.Router.Forwarding;
using HTagKube.Router.Identity;
using HTagKube.Router.Metrics;
using HTagKube.Router.Provisioning;
using HTagKube.Router.Proxy;
using HTagKube.Router.SignIn;
using Prometheus;
using StackExchange.Redis;
using Yarp.ReverseProxy.Forwarder;

namespace HTagKube.Router.Hosting;

/// <summary>Builds the router web application (Program.cs and in-process tests share it).</summary>
public static class RouterApp
{
    /// <summary>Default address when neither <c>--urls</c> nor ASPNETCORE_URLS / *_PORTS is given.</summary>
    public const string DefaultUrl = "http://localhost:8000";

    /// <summary>Builds the application from command-line arguments (connects the route table).</summary>
    public static async Task<WebApplication> BuildAsync(string[] args)
    {
        args = RouterConfig.Normalize(args);
        // The router reads no appsettings file worth watching; a watcher costs an inotify instance.
        if (!args.Any(a => a.Contains("reloadConfigOnChange", StringComparison.OrdinalIgnoreCase)))
            args = [.. args, "--hostBuilder:reloadConfigOnChange=false"];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, RouterConfig.SwitchMappings);
        var options = RouterConfig.Bind(builder.Configuration);

        var cfg = builder.Configuration;
        if (string.IsNullOrEmpty(cfg["urls"]) && string.IsNullOrEmpty(cfg["http_ports"]) && string.IsNullOrEmpty(cfg["https_ports"]))
            builder.WebHost.UseUrls(DefaultUrl);

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        // YARP logs every failed forward; the router logs the ones it cannot recover from.
        builder.Logging.AddFilter("Yarp", LogLevel.Error);

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersBytes;
            k.Limits.MaxRequestLineSize = Math.Min(options.MaxRequestHeadersBytes, 16 * 1024);
        });

        var table = await RouteTableSelection.CreateAsync(options);
        var uids = RouteTableSelection.RedisOf(table) is { } redis ? await UidKeyStore.SharedAsync(redis.Connection, TimeSpan.FromSeconds(10)) : UidKeyStore.Local();
        builder.Services.AddSingleton(uids);
        AddServices(builder.Services, options, table);
        var app = builder.Build();
        Configure(app, options);
        return app;
    }

    static void AddServices(IServiceCollection services, RouterOptions options, IRouteTable table)
    {
        services.AddSingleton(options);
        services.AddSingleton<RouterMetrics>();
        services.AddSingleton(new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null, // no tracing headers or work per request
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            EnableMultipleHttp2Connections = false,
        }, disposeHandler: true));
        // Through a factory so the container disposes it, after the provisioner that uses it.
        services.AddSingleton<IRouteTable>(_ => table);
        // The process's one Redis connection (the route table's), for every other Redis user of the router.
        if (RouteTableSelection.RedisOf(table) is { } redisTable) services.AddSingleton(redisTable.Connection);
        services.AddSingleton(sp => new RouteCache(sp.GetRequiredService<IRouteTable>(),
            options.Redis is null ? TimeSpan.Zero : TimeSpan.FromSeconds(1)));
        services.AddSingleton(sp => new ActivityTracker(sp.GetRequiredService<IRouteTable>(), options.IdleTimeout,
            options.EffectiveTouchInterval, sp.GetRequiredService<RouterMetrics>(), sp.GetRequiredService<ILogger<ActivityTracker>>()));
        services.AddHttpForwarder();
        services.AddSingleton<UserpodTransformer>();
        services.AddSingleton(sp => new UserpodForwarder(sp.GetRequiredService<IHttpForwarder>(), sp.GetRequiredService<HttpMessageInvoker>(),
            sp.GetRequiredService<UserpodTransformer>(), options.UpstreamTimeout));
        services.AddSingleton(sp => new WebSocketRelay(sp.GetRequiredService<HttpMessageInvoker>(), sp.GetRequiredService<RouterMetrics>(),
            options.MaxWebSocketMessageBytes, options.WebSocketPing, sp.GetRequiredService<ILogger<WebSocketRelay>>()));
        // The cap and the per-client rate hold for every router on the same Redis; in memory, for this router.
        var limits = new AdmissionLimits(options.MaxSessions, options.SessionsPerIpPerMinute, TimeSpan.FromMinutes(1),
            options.StartReservation);
        services.AddSingleton<ISessionAdmission>(sp => RouteTableSelection.RedisOf(table) is not null
            ? new RedisSessionAdmission(sp.GetRequiredService<IConnectionMultiplexer>(), limits)
            : new InMemorySessionAdmission(sp.GetRequiredService<IRouteTable>(), limits));
        ProvisionerSelection.AddProvisioner(services, options);
        SignInSetup.Add(services, options, RouteTableSelection.RedisOf(table)?.Connection);
        services.AddSingleton<ProxyHandler>();
    }

    static void Configure(WebApplication app, RouterOptions options)
    {
        var sp = app.Services;
        var metrics = sp.GetRequiredService<RouterMetrics>();
        var provisioner = sp.GetRequiredService<ISessionProvisioner>();
        var table = sp.GetRequiredService<IRouteTable>();
        var activity = sp.GetRequiredService<ActivityTracker>();
        var routes = sp.GetRequiredService<RouteCache>();
        var proxy = sp.GetRequiredService<ProxyHandler>();
        table.RouteExpired += key => { activity.Forget(key); routes.Invalidate(key); };
        if (RouteTableSelection.RedisOf(table) is { } redis)
        {
            var redisLog = sp.GetRequiredService<ILoggerFactory>().CreateLogger("HTagKube.Router.Redis");
            void Report(string message, Exception? error)
            {
                if (error is null) redisLog.LogInformation("{Message}", message);
                else { metrics.RouteTableError(); redisLog.LogWarning("{Message}: {Error}", message, error.Message); }
            }
            redis.Diagnostic += Report;
            if (table is RepublishingRouteTable republishing) republishing.Diagnostic += Report;
        }

        app.Lifetime.ApplicationStarted.Register(() => _ = StartupAsync(app, options));

        if (TrustedProxies.Options(TrustedProxies.Parse(options.TrustedProxies)) is { } forwarded) app.UseForwardedHeaders(forwarded);
        app.UseMetricServer(settings => settings.Registry = metrics.Registry, "/metrics");
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        SignInSetup.Use(app, options); // the sign-in callbacks, and the login cookie read for every request
        var signIn = sp.GetService<SignInGate>();
        app.Use(async (ctx, next) =>
        {
            // The router's own paths; everything else belongs to the user's userpod.
            var path = ctx.Request.Path.Value ?? "/";
            if (path.Length > 1 && path[1] is 'h' or 'r' or 'm' or '_')
            {
                switch (path)
                {
                    case "/healthz":
                        await ctx.Response.WriteAsync("ok\n", ctx.RequestAborted);
                        return;
                    case "/readyz":
                        await ReadyAsync(ctx, table);
                        return;
                }
                if (path.StartsWith(SessionsEndpoint.Prefix, StringComparison.Ordinal))
                {
                    await SessionsEndpoint.HandleAsync(ctx, provisioner, activity, signIn);
                    return;
                }
                if (path == SignOutEndpoint.Path && signIn is not null)
                {
                    await SignOutEndpoint.HandleAsync(ctx, options, signIn, provisioner, activity, routes);
                    return;
                }
            }
            await next(ctx);
        });
        app.Run(proxy.InvokeAsync);
    }

    static async Task StartupAsync(WebApplication app, RouterOptions options)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HTagKube.Router");
        try
        {
            await ProvisionerSelection.StartAsync(app.Services, options, app.Lifetime.ApplicationStopping);
            log.LogInformation("router ready: {Urls}; route table {Table}; userpods {Command}; idle timeout {Idle}",
                string.Join(' ', app.Urls), options.Redis is null ? "in-memory" : "redis",
                options.UserpodCommand ?? "default Demo", options.IdleTimeout);
        }
        catch (Exception e)
        {
            log.LogError(e, "router startup work failed (sessions of a previous router were not re-adopted)");
        }
    }

    static async Task ReadyAsync(HttpContext ctx, IRouteTable table)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
            cts.CancelAfter(TimeSpan.FromSeconds(2));
            await table.GetEpochAsync(cts.Token);
            await ctx.Response.WriteAsync("ok\n", ctx.RequestAborted);
        }
        catch (Exception e) when (e is RouteTableUnavailableException or OperationCanceledException)
        {
            ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await ctx.Response.WriteAsync("route table unavailable\n", ctx.RequestAborted);
        }
    }
}
