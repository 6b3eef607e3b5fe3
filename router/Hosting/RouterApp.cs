using System.Net;
using HTagKube.Contract;
using HTagKube.Router.Admin;
using HTagKube.Router.Admission;
using HTagKube.Router.Backend;
using HTagKube.Router.Forwarding;
using HTagKube.Router.Identity;
using HTagKube.Router.Metrics;
using HTagKube.Router.Proxy;
using HTagKube.Router.Sessions;
using HTagKube.Router.SignIn;
using HTagKube.Router.State;
using HTagKube.Routing;
using Prometheus;
using Yarp.ReverseProxy.Forwarder;

namespace HTagKube.Router.Hosting;

/// <summary>Builds the router web application (Program.cs and in-process tests share it).</summary>
public static class RouterApp
{
    /// <summary>Default address when neither <c>--urls</c> nor ASPNETCORE_URLS / *_PORTS is given.</summary>
    public const string DefaultUrl = "http://localhost:8000";

    /// <summary>Builds the application from command-line arguments (connects the backend).</summary>
    /// <param name="args">The router's command line.</param>
    /// <param name="replace">Tests only: replaces registrations after the router's own (a fake provisioner…).</param>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<IServiceCollection>? replace = null)
    {
        var dev = Dev.DevMode.Take(ref args); // --dev <project>: `make dev` (router/Dev)
        args = RouterConfig.Flags.Normalize(args);
        // The router reads no appsettings file worth watching; a watcher costs an inotify instance.
        if (!args.Any(a => a.Contains("reloadConfigOnChange", StringComparison.OrdinalIgnoreCase)))
            args = [.. args, "--hostBuilder:reloadConfigOnChange=false"];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddCommandLine(args, RouterConfig.Flags.SwitchMappings);
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

        var backend = await RouterBackend.CreateAsync(options);
        AddServices(builder.Services, options, backend);
        if (dev is not null) Dev.DevLoop.AddTo(builder.Services, dev);
        replace?.Invoke(builder.Services);
        var app = builder.Build();
        await backend.PrepareKeyRingAsync(app.Services, CancellationToken.None);
        Configure(app, options, backend);
        return app;
    }

    static void AddServices(IServiceCollection services, RouterOptions options, RouterBackend backend)
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
        backend.AddTo(services, new AdmissionLimits(options.MaxSessions, options.SessionsPerIpPerMinute,
            TimeSpan.FromMinutes(1), options.StartReservation));
        // The router's own background work: registered first, so the host stops it last among hosted services.
        services.AddSingleton(sp => new BackgroundWork(sp.GetRequiredService<ILoggerFactory>().CreateLogger("HTagKube.Router")));
        services.AddHostedService(sp => sp.GetRequiredService<BackgroundWork>());
        services.AddSingleton(sp => new RouteCache(sp.GetRequiredService<IRouteTable>(), backend.RouteCacheFor));
        services.AddSingleton(sp => new ActivityTracker(sp.GetRequiredService<IRouteTable>(), options.IdleTimeout,
            options.EffectiveTouchInterval, sp.GetRequiredService<BackgroundWork>(), sp.GetRequiredService<RouterMetrics>(),
            sp.GetRequiredService<ILogger<ActivityTracker>>(), sp.GetRequiredService<IStateStore>(), options.StateLifetime));
        services.AddHttpForwarder();
        services.AddSingleton<UserpodTransformer>();
        services.AddSingleton(sp => new UserpodForwarder(sp.GetRequiredService<IHttpForwarder>(),
            sp.GetRequiredService<HttpMessageInvoker>(), sp.GetRequiredService<UserpodTransformer>(), options.UpstreamTimeout));
        services.AddSingleton(sp => new WebSocketRelay(sp.GetRequiredService<HttpMessageInvoker>(),
            sp.GetRequiredService<RouterMetrics>(), options.MaxWebSocketMessageBytes, options.WebSocketPing,
            sp.GetRequiredService<ILogger<WebSocketRelay>>()));
        ProvisionerSelection.AddProvisioner(services, options);
        services.AddSingleton<SessionService>();
        SignInSetup.Add(services, options);
        if (options.SignIn)
        {
            services.AddSingleton<IUserResolver, SignedInUsers>();
            services.AddSingleton<SignOutEndpoint>();
        }
        else
        {
            services.AddSingleton<UidSeal>();
            services.AddSingleton<IUserResolver, AnonymousUsers>();
        }
        services.AddSingleton<SessionsEndpoint>();
        services.AddSingleton<StateAddress>();
        services.AddSingleton<StateAccess>();
        services.AddSingleton<StateEndpoint>();
        services.AddSingleton<ProxyHandler>();
    }

    static void Configure(WebApplication app, RouterOptions options, RouterBackend backend)
    {
        var sp = app.Services;
        var metrics = sp.GetRequiredService<RouterMetrics>();
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("HTagKube.Router");
        app.Lifetime.ApplicationStarted.Register(() => log.LogInformation(
            "router ready: {Urls}; backend {Backend}; userpods {Command}; idle timeout {Idle}; "
            + "state for userpods at {StateUrl}, kept {Retention}",
            string.Join(' ', app.Urls), backend.Name, options.UserpodCommand ?? "default Demo", options.IdleTimeout,
            sp.GetRequiredService<StateAddress>().Url, options.EffectiveStateRetention));

        if (TrustedProxies.Options(TrustedProxies.Parse(options.TrustedProxies)) is { } forwarded) app.UseForwardedHeaders(forwarded);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.WebSocketKeepAlive });
        SignInSetup.Use(app, options); // the sign-in callbacks, and the login cookie read for every request

        // The router's own paths; every other path belongs to the user's userpod.
        var table = sp.GetRequiredService<IRouteTable>();
        app.Map(UserpodProtocol.HealthPath, (RequestDelegate)(ctx => ctx.Response.WriteAsync("ok\n", ctx.RequestAborted)));
        app.Map(UserpodProtocol.ReadyPath, (RequestDelegate)(ctx => ReadyAsync(ctx, table, backend)));
        app.MapMetrics(settings => settings.Registry = metrics.Registry, "/metrics");
        var admin = sp.GetRequiredService<SessionsEndpoint>();
        app.Map(SessionsEndpoint.Path, (RequestDelegate)admin.HandleAsync);
        app.Map(SessionsEndpoint.Path + "/{**userKey}", (RequestDelegate)admin.HandleAsync);
        app.Map(StateProtocol.Path, (RequestDelegate)sp.GetRequiredService<StateEndpoint>().HandleAsync);
        if (sp.GetService<SignOutEndpoint>() is { } signOut) app.Map(SignOutEndpoint.Path, (RequestDelegate)signOut.HandleAsync);
        Dev.DevLoop.Map(app);
        app.Map("/{**path}", (RequestDelegate)sp.GetRequiredService<ProxyHandler>().InvokeAsync);
    }

    /// <summary>Ready: the route table answers and the key ring is loaded (a router that cannot seal cookies serves nobody).</summary>
    static async Task ReadyAsync(HttpContext ctx, IRouteTable table, RouterBackend backend)
    {
        if (!backend.KeyRingLoaded)
        {
            ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await ctx.Response.WriteAsync("key ring not loaded\n", ctx.RequestAborted);
            return;
        }
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
