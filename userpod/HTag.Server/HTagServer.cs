using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>
/// Hosts the HTag apps of ONE user: first render over HTTP, interactions over WebSocket (or POST),
/// server push, health endpoints and the token check. <c>HTagServer.Create(args).Map&lt;App&gt;("/").Run();</c>
/// </summary>
public sealed class HTagServer : IAsyncDisposable
{
    readonly WebApplicationBuilder _builder;
    readonly Dictionary<string, AppHost> _apps = new(StringComparer.Ordinal);
    WebApplication? _app;

    HTagServer(string[] args)
    {
        // The emptiest host: one process per user, so startup time and memory are what count. No
        // appsettings files (no file watchers), no hosting-startup scan; env + command line + Kestrel only.
        _builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
        _builder.Configuration.AddEnvironmentVariables("ASPNETCORE_");
        _builder.Configuration.AddEnvironmentVariables();
        _builder.Configuration.AddCommandLine(args);
        _builder.WebHost.UseKestrelCore();
        _builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        _builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        ApplyConfiguration(_builder.Configuration, Options);
    }

    /// <summary>Settings from the environment or command line (HTAG_DEBUG, HTAG_INTERACTION_TIMEOUT…); code may override them.</summary>
    static void ApplyConfiguration(Microsoft.Extensions.Configuration.IConfiguration c, HTagOptions o)
    {
        static bool? Bool(string? v) => v is null ? null : v is "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase);
        static double? Num(string? v) => double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : null;
        o.Debug = Bool(c["HTAG_DEBUG"]) ?? o.Debug;
        o.HttpOnly = Bool(c["HTAG_HTTP_ONLY"]) ?? o.HttpOnly;
        o.Parano = Bool(c["HTAG_PARANO"]) ?? o.Parano;
        o.WarmUp = Bool(c["HTAG_WARMUP"]) ?? o.WarmUp;
        if (Num(c["HTAG_INTERACTION_TIMEOUT"]) is > 0 and var t) o.InteractionTimeout = TimeSpan.FromSeconds(t);
        if (Num(c["HTAG_TIMEOUT_GRACE"]) is >= 0 and var g) o.TimeoutGrace = TimeSpan.FromSeconds(g);
        if (Num(c["HTAG_MAX_MESSAGE_BYTES"]) is >= 1024 and var m) o.MaxMessageBytes = (int)m;
        if (Num(c["HTAG_MAX_INTERACTIONS_PER_SECOND"]) is >= 1 and var r) o.MaxInteractionsPerSecond = (int)r;
    }

    /// <summary>Creates a server from the command line (standard ASP.NET Core options such as <c>--urls</c>).</summary>
    /// <param name="args">The program's arguments.</param>
    public static HTagServer Create(string[] args) => new(args ?? []);

    /// <summary>The settings; change them before <see cref="Run"/>.</summary>
    public HTagOptions Options { get; } = new();

    /// <summary>Changes the settings, fluently.</summary>
    /// <param name="configure">Edits <see cref="Options"/>.</param>
    public HTagServer Configure(Action<HTagOptions> configure)
    {
        configure(Options);
        return this;
    }

    /// <summary>Serves app <typeparamref name="TApp"/> at <paramref name="path"/>; one instance per user and app.</summary>
    /// <typeparam name="TApp">The app: a tag with a public parameterless constructor.</typeparam>
    /// <param name="path">The URL path, e.g. <c>"/"</c> or <c>"/counter"</c>.</param>
    /// <param name="configure">Optional per-app overrides.</param>
    public HTagServer Map<TApp>(string path, Action<AppOptions>? configure = null) where TApp : Tag, new()
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.StartsWith('/')) throw new ArgumentException("An app path starts with '/'.", nameof(path));
        if (path.StartsWith("/_htag", StringComparison.Ordinal)) throw new ArgumentException("/_htag is reserved.", nameof(path));
        if (_app is not null) throw new InvalidOperationException("Map before the server starts.");
        var o = new AppOptions();
        configure?.Invoke(o);
        _apps[path] = new AppHost(path, typeof(TApp), () => new TApp(), o, this);
        return this;
    }

    /// <summary>The addresses Kestrel listens on (after start).</summary>
    public IReadOnlyList<string> Urls => _app?.Urls.ToList() ?? [];

    internal IReadOnlyDictionary<string, AppHost> Apps => _apps;

    internal ILogger Logger { get; private set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>How the watchdog ends the process; tests replace it to observe the exit code.</summary>
    internal Action<int> ExitProcess { get; set; } = Environment.Exit;

    /// <summary>This user's session, shared by all apps of this server, outliving their instances.</summary>
    internal SessionStore Session { get; } = new();

    internal CancellationToken Stopping => _app?.Lifetime.ApplicationStopping ?? CancellationToken.None;

    internal void OnWatchdogExit(int code) => ExitProcess(code);

    /// <summary>Runs until the process is stopped (Ctrl+C, SIGTERM).</summary>
    public void Run() => RunAsync().GetAwaiter().GetResult();

    /// <summary>Runs until <paramref name="ct"/> is cancelled or the process is stopped.</summary>
    /// <param name="ct">Stops the server.</param>
    public async Task RunAsync(CancellationToken ct = default)
    {
        await StartAsync(ct).ConfigureAwait(false);
        await _app!.WaitForShutdownAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Starts listening and returns; prints <c>htag-listening: URL</c> on stdout once bound.</summary>
    /// <param name="ct">Cancels the start.</param>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_apps.Count == 0) throw new InvalidOperationException("Map at least one app.");
        var token = Options.Token ?? _builder.Configuration["HTAG_TOKEN"];
        if (string.IsNullOrEmpty(token))
        {
            token = null;
            // Standalone (an author running their program): no token check, so listen on loopback only.
            if (string.IsNullOrEmpty(_builder.Configuration["urls"]) && string.IsNullOrEmpty(_builder.Configuration["http_ports"]))
                _builder.WebHost.UseUrls("http://127.0.0.1:5000");
        }
        _app = _builder.Build();
        Logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HTag");
        if (token is null) Logger.LogWarning("HTAG_TOKEN is not set: running standalone, without the token check.");
        var tokenBytes = token is null ? null : Encoding.UTF8.GetBytes(token);
        var endpoints = new Endpoints(this);

        _app.Use(async (ctx, next) =>
        {
            var path = ctx.Request.Path.Value ?? "/";
            if (path is "/healthz" or "/readyz" && HttpMethods.IsGet(ctx.Request.Method))
            {
                // Not ready while warming up: Kubernetes claims a warm pod only once it is Ready.
                var ready = path == "/healthz" || Volatile.Read(ref _announced);
                ctx.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync(ready ? "ok" : "warming up", ctx.RequestAborted).ConfigureAwait(false);
                return;
            }
            if (tokenBytes is not null && !TokenMatches(ctx.Request.Headers["X-HTag-Token"].ToString(), tokenBytes))
            {
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync("missing or wrong X-HTag-Token", ctx.RequestAborted).ConfigureAwait(false);
                return;
            }
            await next(ctx).ConfigureAwait(false);
        });
        _app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        _app.Run(endpoints.DispatchAsync);

        await _app.StartAsync(ct).ConfigureAwait(false);
        var url = _app.Urls.FirstOrDefault() ?? "?";
        if (Options.WarmUp) await WarmUp.RunAsync(this, url, token, ct).ConfigureAwait(false);
        Volatile.Write(ref _announced, true);
        // The router reads this line to learn the bound port (it starts us with port 0).
        Console.Out.WriteLine("htag-listening: " + url);
        Console.Out.Flush();
    }

    /// <summary>Set once listening (and warmed up when asked): /readyz answers 200 from then on.</summary>
    bool _announced;

    static bool TokenMatches(string given, byte[] expected)
    {
        var g = Encoding.UTF8.GetBytes(given);
        return CryptographicOperations.FixedTimeEquals(g, expected);
    }

    /// <summary>Stops the server.</summary>
    public async Task StopAsync()
    {
        if (_app is not null) await _app.StopAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
    }
}
