using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using HTag.Hosting;
using HTagKube.Contract;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>
/// Hosts the HTag apps of ONE user: first render over HTTP, interactions over WebSocket (or POST),
/// server push, health endpoints and the token check. <c>HTagServer.Create(args).Map&lt;App&gt;("/").Run();</c>
/// </summary>
public sealed class HTagServer : IAsyncDisposable
{
    // One process per user, so start time and memory per process are what count: Kestrel runs without the
    // generic host (no dependency injection container, hosted services, options or logging pipeline), which
    // saves about a third of a userpod's private memory and start-up CPU (docs/benchmarks.md).
    static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    readonly IConfiguration _config;
    readonly Dictionary<string, AppHost> _apps = new(StringComparer.Ordinal);
    readonly CancellationTokenSource _stopping = new();
    readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    KestrelServer? _kestrel;
    ILoggerFactory? _loggerFactory;
    IReadOnlyList<string> _urls = [];

    HTagServer(string[] args)
    {
        // Env + command line only: no appsettings files, so no file watchers.
        _config = new ConfigurationBuilder()
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        ApplyConfiguration(_config, Options);
    }

    /// <summary>Settings from the environment or command line (HTAG_DEBUG, HTAG_INTERACTION_TIMEOUT…); code may override them.</summary>
    static void ApplyConfiguration(Microsoft.Extensions.Configuration.IConfiguration c, HTagOptions o)
    {
        static bool? Bool(string? v) => v is null ? null : v is "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase);
        static double? Num(string? v) =>
            double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
                ? d
                : null;
        o.Debug = Bool(c[UserpodEnvironment.Debug]) ?? o.Debug;
        o.HttpOnly = Bool(c[UserpodEnvironment.HttpOnly]) ?? o.HttpOnly;
        o.Parano = Bool(c[UserpodEnvironment.Parano]) ?? o.Parano;
        o.WarmUp = Bool(c[UserpodEnvironment.WarmUp]) ?? o.WarmUp;
        o.WebRoot = c[UserpodEnvironment.WebRoot] ?? o.WebRoot;
        o.ContentSecurity.AddFrom(name => c[name]);
        if (Num(c[UserpodEnvironment.InteractionTimeout]) is > 0 and var t) o.InteractionTimeout = TimeSpan.FromSeconds(t);
        if (Num(c[UserpodEnvironment.TimeoutGrace]) is >= 0 and var g) o.TimeoutGrace = TimeSpan.FromSeconds(g);
        if (Num(c[UserpodEnvironment.MaxMessageBytes]) is >= 1024 and var m) o.MaxMessageBytes = (int)m;
        if (Num(c[UserpodEnvironment.MaxUploadBytes]) is >= 1 and var u) o.MaxUploadBytes = (long)u;
        if (Num(c[UserpodEnvironment.MaxInteractionsPerSecond]) is >= 1 and var r) o.MaxInteractionsPerSecond = (int)r;
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
    /// <typeparam name="TApp">The app: a tag with a public parameterless constructor. Its members are kept by trimming and
    /// NativeAOT (its Init overloads are found by reflection), so an AOT-published app needs nothing more.</typeparam>
    /// <param name="path">The URL path, e.g. <c>"/"</c> or <c>"/counter"</c>, or an ASP.NET Core route template such as
    /// <c>"/items/{id:int}"</c> or <c>"/docs/{*path}"</c>: its values are bound to Init parameters by name, like query values.</param>
    /// <param name="configure">Optional per-app overrides.</param>
    /// <param name="description">One line for the app index (<see cref="MapAppIndex"/>); without it, the app class's
    /// <see cref="System.ComponentModel.DescriptionAttribute"/>.</param>
    /// <param name="example">A URL the app index links to, e.g. <c>"/items/1"</c> for <c>"/items/{id:int}"</c> or
    /// <c>"/hello?name=ann"</c>.</param>
    public HTagServer Map<[DynamicallyAccessedMembers(InitArgs.AppMembers)] TApp>(string path, Action<AppOptions>? configure = null,
        string? description = null, string? example = null)
        where TApp : Tag, new()
    {
        CheckNewPath(path);
        if (example is not null && !example.StartsWith('/'))
            throw new ArgumentException("An example URL is a path starting with '/'.", nameof(example));
        var route = RouteTemplatePath.TryParse(path);
        if (_apps.ContainsKey(path)) throw new ArgumentException($"{path} is mapped already.", nameof(path));
        var o = new AppOptions();
        configure?.Invoke(o);
        var host = new AppHost(path, typeof(TApp), () => new TApp(), o, this, route);
        _apps[path] = host;
        if (route is not null) _routes.AddApp(route, host);
        _listings.Add(new AppListing(path, typeof(TApp), AppListing.DescriptionOf(description, typeof(TApp)), example, route is not null));
        return this;
    }

    /// <summary>
    /// Serves the app index at <paramref name="path"/>: every app mapped on this server with its path (or route template),
    /// class name and one-line description (<c>description</c> of <see cref="Map"/>, else the class's
    /// <see cref="System.ComponentModel.DescriptionAttribute"/>), like <c>python -m htagweb</c>'s index. With
    /// <see cref="HTagOptions.Debug"/> (<c>make dev</c>) the index is at <c>/</c> anyway when nothing else is mapped there.
    /// </summary>
    /// <param name="path">An exact path, <c>"/"</c> by default.</param>
    /// <param name="title">The page's title and heading.</param>
    public HTagServer MapAppIndex(string path = "/", string title = "Apps")
    {
        CheckNewPath(path);
        if (RouteTemplatePath.TryParse(path) is not null) throw new ArgumentException("The app index has an exact path.", nameof(path));
        if (_apps.ContainsKey(path)) throw new ArgumentException($"{path} is mapped already.", nameof(path));
        AddIndex(path, title);
        return this;
    }

    /// <summary>
    /// The mapped apps in mapping order, for the index (it reads the list at each user's first visit: all Maps are done by then).
    /// </summary>
    readonly List<AppListing> _listings = [];
    bool _hasIndex;

    void AddIndex(string path, string title)
    {
        _apps[path] = new AppHost(path, typeof(AppIndex), () => new AppIndex(_listings, title), new AppOptions(), this);
        _hasIndex = true;
    }

    /// <summary>In debug mode (<c>make dev</c> sets HTAG_DEBUG=1), the index takes <c>/</c> when no app, endpoint or
    /// route template answers it.</summary>
    void AddDebugIndex()
    {
        if (!Options.Debug || _hasIndex || _apps.ContainsKey("/") || _endpoints.ContainsKey(("GET", "/"))) return;
        var probe = new DefaultHttpContext();
        probe.Request.Method = HttpMethods.Get;
        probe.Request.Path = "/";
        if (MatchRoute(probe, "/") is not null) return;
        AddIndex("/", "Apps");
    }

    readonly RouteTable _routes = new();
    readonly System.Collections.Concurrent.ConcurrentDictionary<Type, AppHost> _rendered = new();

    /// <summary>The host of the app an endpoint renders (<see cref="HttpContextExtensions.RenderAppAsync"/>): one per app
    /// type, made on first use with that call's options.</summary>
    internal AppHost RenderedHost<[DynamicallyAccessedMembers(InitArgs.AppMembers)] TApp>(Action<AppOptions>? configure)
        where TApp : Tag, new()
    {
        if (_rendered.TryGetValue(typeof(TApp), out var host)) return host;
        var o = new AppOptions();
        configure?.Invoke(o);
        host = new AppHost("@" + typeof(TApp).FullName, typeof(TApp), () => new TApp(), o, this, route: null, byEndpoint: true);
        host.FixContentSecurity();
        return _rendered.GetOrAdd(typeof(TApp), host);
    }

    /// <summary>The app a page names (its <c>data-htag-app</c>): a mapped path or template, or an endpoint-rendered app.</summary>
    internal AppHost? FindHost(string key)
    {
        if (_apps.TryGetValue(key, out var host)) return host;
        foreach (var h in _rendered.Values)
            if (h.Path == key) return h;
        return null;
    }

    /// <summary>The first mapped template (app or endpoint) matching the request, most specific first.</summary>
    internal (AppHost? App, RequestDelegate? Endpoint, Microsoft.AspNetCore.Routing.RouteValueDictionary Values)? MatchRoute(
        HttpContext ctx, string path) =>
        _routes.IsEmpty ? null : _routes.Match(ctx, path);

    /// <summary>
    /// Answers GET (and HEAD) requests for <paramref name="path"/> with <paramref name="handler"/>, beside the
    /// apps: downloads (<see cref="HttpContextExtensions.DownloadAsync"/>), JSON, feeds, or an app
    /// (<see cref="HttpContextExtensions.RenderAppAsync"/>). It gets ASP.NET Core's own <see cref="HttpContext"/>
    /// (route values in <c>ctx.Request.RouteValues</c>), behind the same token check as everything else; it holds no app's lock.
    /// </summary>
    /// <param name="path">The URL path, e.g. <c>"/report.csv"</c>, or a route template (<c>"/oauth_{action}"</c>,
    /// <c>"/{*path}"</c>).</param>
    /// <param name="handler">Writes the response.</param>
    public HTagServer MapGet(string path, RequestDelegate handler) => MapEndpoint("GET", path, handler);

    /// <summary>Answers POST requests for <paramref name="path"/> (webhooks, JSON APIs); see <see cref="MapGet"/>.</summary>
    /// <param name="path">The URL path or a route template.</param>
    /// <param name="handler">Reads the request, writes the response.</param>
    public HTagServer MapPost(string path, RequestDelegate handler) => MapEndpoint("POST", path, handler);

    HTagServer MapEndpoint(string method, string path, RequestDelegate handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        CheckNewPath(path);
        if (RouteTemplatePath.TryParse(path) is { } route) _routes.AddEndpoint(route, method, handler);
        else if (!_endpoints.TryAdd((method, path), handler))
            throw new ArgumentException($"{method} {path} is mapped already.", nameof(path));
        return this;
    }

    /// <summary>Every rule about a mapped path, for apps and endpoints alike.</summary>
    void CheckNewPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.StartsWith('/')) throw new ArgumentException("A mapped path starts with '/'.", nameof(path));
        if (path.StartsWith("/_htag", StringComparison.Ordinal)) throw new ArgumentException("/_htag is reserved.", nameof(path));
        if (path is UserpodProtocol.HealthPath or UserpodProtocol.ReadyPath)
            throw new ArgumentException($"{path} is the userpod's health endpoint.", nameof(path));
        if (_kestrel is not null) throw new InvalidOperationException("Map before the server starts.");
    }

    readonly Dictionary<(string Method, string Path), RequestDelegate> _endpoints = [];

    /// <summary>The handler mapped for this method (HEAD uses GET's) and path, or null.</summary>
    internal RequestDelegate? EndpointFor(string method, string path) =>
        _endpoints.GetValueOrDefault((HttpMethods.IsHead(method) ? "GET" : method.ToUpperInvariant(), path));

    /// <summary>The web root's file server (null when there is none); set at start.</summary>
    internal StaticFiles? Files { get; private set; }

    /// <summary>The addresses Kestrel listens on (after start; a port 0 resolved to the bound port).</summary>
    public IReadOnlyList<string> Urls => _urls;

    internal IReadOnlyDictionary<string, AppHost> Apps => _apps;

    internal ILogger Logger { get; private set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The logger of the app at <paramref name="path"/> (<see cref="Tag.Log"/>), category <c>app/path</c>.</summary>
    internal ILogger AppLogger(string path) =>
        _loggerFactory?.CreateLogger("app" + path) ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>How the watchdog ends the process; tests replace it to observe the exit code.</summary>
    internal Action<int> ExitProcess { get; set; } = Environment.Exit;

    /// <summary>This user's session, shared by all apps of this server, outliving their instances.</summary>
    internal SessionStore Session { get; } = new();

    /// <summary>Keeps <see cref="Session"/> at the router's state endpoint when requests name one (<see cref="DurableState"/>).</summary>
    internal DurableState State => _state ??= new DurableState(this);
    DurableState? _state;

    /// <summary>Cancelled when the server stops: open WebSockets end instead of holding the shutdown.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    internal void OnWatchdogExit(int code) => ExitProcess(code);

    /// <summary>Runs until the process is stopped (Ctrl+C, SIGTERM).</summary>
    public void Run() => RunAsync().GetAwaiter().GetResult();

    /// <summary>Runs until <paramref name="ct"/> is cancelled or the process is stopped (SIGTERM, SIGINT, SIGQUIT).</summary>
    /// <param name="ct">Stops the server.</param>
    public async Task RunAsync(CancellationToken ct = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        void OnSignal(PosixSignalContext c)
        {
            c.Cancel = true; // a graceful stop instead of the runtime's immediate exit
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);
        var lifeline = _config[UserpodEnvironment.Lifeline] == UserpodEnvironment.LifelineStdin;
        using var idle = _idle = IdleStop.From(_config[UserpodEnvironment.IdleTimeout], armed: !lifeline, () =>
        {
            Logger.LogInformation("nothing reached this userpod for its idle timeout and grace; stopping");
            try { stop.Cancel(); } catch (ObjectDisposedException) { }
        });
        if (lifeline)
            Lifeline.Watch(
                gone: why =>
                {
                    Logger.LogInformation("{Why}: the router is gone; stopping", why);
                    try { stop.Cancel(); } catch (ObjectDisposedException) { } // already stopped
                },
                kept: () =>
                {
                    Logger.LogInformation("released by the router: this userpod outlives it");
                    _idle?.Arm();
                });
        try
        {
            await StartAsync(stop.Token).ConfigureAwait(false);
            await _stopped.Task.WaitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { } // stopped, also while starting or warming up
        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>Starts listening and returns; prints <c>htag-listening: URL</c> on stdout once bound (and warmed up, with
    /// <see cref="HTagOptions.WarmUp"/>).</summary>
    /// <param name="ct">Cancels the start.</param>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_apps.Count == 0 && _endpoints.Count == 0 && _routes.IsEmpty)
            throw new InvalidOperationException("Map at least one app or endpoint.");
        if (_kestrel is not null) throw new InvalidOperationException("The server is already started.");
        var token = Options.Token ?? _config[UserpodEnvironment.Token];
        if (string.IsNullOrEmpty(token)) token = null;
        // Without a token (an author running their program) only the standalone loopback default is safe.
        var urls = token is null && !ListenAddresses.Configured(_config)
            ? [ListenAddresses.StandaloneDefault]
            : ListenAddresses.From(_config);
        var kestrelOptions = new KestrelServerOptions { AddServerHeader = false };
        ListenAddresses.Apply(kestrelOptions, urls);

        _loggerFactory = ConsoleLog.CreateFactory(LogLevel.Information, LogLevel.Warning);
        Logger = _loggerFactory.CreateLogger("HTag");
        if (token is null)
            Logger.LogWarning("{Variable} is not set: running standalone, without the token check.", UserpodEnvironment.Token);
        State.Configure(token);
        AddDebugIndex();
        foreach (var app in _apps.Values) app.FixContentSecurity(); // a bad source fails the start, not a page
        Files = StaticFiles.For(Options.WebRoot, _loggerFactory);
        var endpoints = new Endpoints(this);
        // Behind the router (a token) no keep-alive of our own: the router pings every socket it relays, with a deadline
        // (--ws-ping), and we answer; a second ping of ours would only wake an idle userpod 3 more times a minute.
        // Standalone, a browser (or a proxy) is at the other end: keep-alive pings every 20 s.
        var keepAlive = token is null ? TimeSpan.FromSeconds(20) : TimeSpan.Zero;
        var wsOptions = new Microsoft.AspNetCore.Builder.WebSocketOptions { KeepAliveInterval = keepAlive };
        var webSockets = new WebSocketMiddleware(
            endpoints.DispatchAsync, Microsoft.Extensions.Options.Options.Create(wsOptions), _loggerFactory);

        async Task Pipeline(HttpContext ctx)
        {
            RefreshDate();
            var path = ctx.Request.Path.Value ?? "/";
            if (path is UserpodProtocol.HealthPath or UserpodProtocol.ReadyPath && HttpMethods.IsGet(ctx.Request.Method))
            {
                // Not ready while warming up: Kubernetes claims a warm pod only once it is Ready.
                var ready = path == UserpodProtocol.HealthPath || Volatile.Read(ref _announced);
                ctx.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync(ready ? "ok" : "warming up", ctx.RequestAborted).ConfigureAwait(false);
                return;
            }
            if (token is not null && !Tokens.AreEqual(ctx.Request.Headers[Headers.Token].ToString(), token))
            {
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync("missing or wrong " + Headers.Token, ctx.RequestAborted).ConfigureAwait(false);
                return;
            }
            if (_idle is null || !Volatile.Read(ref _announced)) await ServeAsync(ctx).ConfigureAwait(false);
            else using (_idle.Begin()) await ServeAsync(ctx).ConfigureAwait(false);
        }

        async Task ServeAsync(HttpContext ctx)
        {
            // The state headers are the router's word only on a token-verified request: standalone (no token), the
            // session stays in memory. The user's stored session is loaded before any app or endpoint uses it.
            if (token is not null && ctx.Request.Headers[Headers.StateKey].ToString() is { Length: > 0 } stateKey
                && ctx.Request.Headers[Headers.StateUrl].ToString() is { Length: > 0 } stateUrl
                && !await State.EnsureLoadedAsync(stateKey, stateUrl, ctx.RequestAborted).ConfigureAwait(false))
            {
                await ErrorPage.WriteAsync(ctx, StatusCodes.Status503ServiceUnavailable, "Your session could not be loaded",
                    "Its store did not answer; try again in a moment.").ConfigureAwait(false);
                return;
            }
            await webSockets.Invoke(ctx).ConfigureAwait(false);
        }

        var transport = new SocketTransportFactory(
            Microsoft.Extensions.Options.Options.Create(new SocketTransportOptions()), _loggerFactory);
        _kestrel = new KestrelServer(Microsoft.Extensions.Options.Options.Create(kestrelOptions), transport, _loggerFactory);
        if (Options.ServerHeartbeat is { } beat && beat > TimeSpan.Zero)
        {
            if (KestrelHeartbeat.TrySetInterval(_kestrel, beat, out var refresh, out var why)) _refreshDate = refresh;
            else Logger.LogWarning("Kestrel's heartbeat stays at its own interval: {Why}", why);
        }
        await _kestrel.StartAsync(new HttpApplication(Pipeline), ct).ConfigureAwait(false);
        _urls = [.. _kestrel.Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
        var url = _urls.FirstOrDefault() ?? "?";
        if (Options.WarmUp) await WarmUp.RunAsync(this, url, token, ct).ConfigureAwait(false);
        Volatile.Write(ref _announced, true);
        // The router reads this line to learn the bound port (it starts us with port 0).
        Console.Out.WriteLine(UserpodProtocol.ListeningPrefix + " " + url);
        Console.Out.Flush();
    }

    /// <summary>Kestrel's heartbeat interval once started (tests).</summary>
    internal TimeSpan? ServerHeartbeatInterval => _kestrel is null ? null : KestrelHeartbeat.IntervalOf(_kestrel);

    /// <summary>Refreshes Kestrel's cached Date header (with a slowed heartbeat, <see cref="HTagOptions.ServerHeartbeat"/>).</summary>
    Action? _refreshDate;
    long _dateRefreshed;

    /// <summary>A request's Date header is at most a second old, as with Kestrel's own 1 s heartbeat: refreshed here, on
    /// the request's thread, instead of by a wake-up every second.</summary>
    void RefreshDate()
    {
        if (_refreshDate is null) return;
        var now = Stopwatch.GetTimestamp();
        var last = Volatile.Read(ref _dateRefreshed);
        if (Stopwatch.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1)) return;
        if (Interlocked.CompareExchange(ref _dateRefreshed, now, last) == last) _refreshDate();
    }

    /// <summary>HTAG_IDLE_TIMEOUT's self-stop (null when unset); requests after the announcement count as activity.</summary>
    IdleStop? _idle;

    /// <summary>Set once listening (and warmed up when asked): /readyz answers 200 from then on.</summary>
    bool _announced;

    /// <summary>Stops the server: open WebSockets end, requests in flight get a few seconds to finish.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_kestrel is { } k)
        {
            using var timeout = new CancellationTokenSource(ShutdownTimeout);
            try { await k.StopAsync(timeout.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        // The last interaction's write may still be on its way to the router.
        if (_state is { } state) await state.DrainAsync(ShutdownTimeout).ConfigureAwait(false);
        _stopped.TrySetResult();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_kestrel is null) return;
        await StopAsync().ConfigureAwait(false);
        _kestrel.Dispose();
        _kestrel = null;
        _loggerFactory?.Dispose();
        _state?.Dispose();
        _stopping.Dispose();
    }
}
