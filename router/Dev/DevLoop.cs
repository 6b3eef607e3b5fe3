using HTagKube.Router.Sessions;
using HTagKube.Routing;

namespace HTagKube.Router.Dev;

/// <summary>
/// The development loop: build, point <see cref="DevMode.Current"/> at the build, end the userpods of the previous
/// build, tell the open pages (<see cref="DevChannel"/>); then the same on every change the watcher sees. A failed
/// build shows in the terminal and the pages, and the previous build keeps serving. The router starts listening
/// only once a first build succeeded.
/// </summary>
public sealed class DevLoop(DevMode dev, DevChannel channel, IServiceProvider services, ILogger<DevLoop> log) : BackgroundService
{
    readonly DevBuilder _builder = new(dev);
    readonly TaskCompletionSource _firstServing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    string? _serving;

    /// <inheritdoc />
    public override async Task StartAsync(CancellationToken ct)
    {
        await base.StartAsync(ct);
        log.LogInformation("dev: building {Project}", dev.Project);
        await _firstServing.Task.WaitAsync(ct); // no userpod can start before there is something to start
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        using var watcher = new DevWatcher(dev.ProjectDir);
        try
        {
            await BuildAndSwapAsync(restore: true, stop);
            while (!stop.IsCancellationRequested)
            {
                var changed = await watcher.NextAsync(stop);
                var names = changed.Select(p => Path.GetRelativePath(dev.ProjectDir, p));
                log.LogInformation("dev: changed {Files}; rebuilding", string.Join(", ", names));
                await BuildAndSwapAsync(changed.Any(DevWatcher.ChangesRestore), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        catch (Exception e)
        {
            log.LogError(e, "dev: the loop failed");
            _firstServing.TrySetException(e);
            throw;
        }
    }

    async Task BuildAndSwapAsync(bool restore, CancellationToken ct)
    {
        channel.Building();
        var started = DateTime.UtcNow;
        var build = await _builder.BuildAsync(restore || _serving is null, ct);
        var built = DateTime.UtcNow;
        if (!build.Succeeded)
        {
            // The terminal gets it as written (stderr, not the JSON log): the author reads it there as from dotnet build.
            var serving = _serving is null ? "nothing" : "the previous build";
            await Console.Error.WriteLineAsync($"dev: build {build.Number} failed; {serving} serves\n{build.Errors}");
            channel.Failed(build.Errors);
            return;
        }
        var previous = _serving;
        Point(build.Output!);
        _serving = build.Output;
        await EndUserpodsAsync(ct);
        channel.Serving(build.Number);
        _firstServing.TrySetResult();
        log.LogInformation("dev: build {Number} serves ({Ms} ms: build {BuildMs} ms, ending userpods {SwapMs} ms)", build.Number,
            (int)(DateTime.UtcNow - started).TotalMilliseconds, (int)(built - started).TotalMilliseconds,
            (int)(DateTime.UtcNow - built).TotalMilliseconds);
        if (previous is not null) DevBuilder.TryDelete(previous);
    }

    // .NET has no rename of a link to a folder over another, so the link is replaced: a userpod starting in that instant
    // fails to start, and its page retries (the dev channel's reload follows anyway).
    void Point(string output)
    {
        if (new FileInfo(dev.Current).LinkTarget is not null) File.Delete(dev.Current);
        File.CreateSymbolicLink(dev.Current, output);
    }

    async Task EndUserpodsAsync(CancellationToken ct)
    {
        var sessions = services.GetRequiredService<SessionService>();
        var table = services.GetRequiredService<IRouteTable>();
        var keys = new List<string>();
        await foreach (var (key, _) in table.ListAsync(ct)) keys.Add(key);
        await Task.WhenAll(keys.Select(k => sessions.EndAsync(k, ct)));
        if (keys.Count > 0) log.LogInformation("dev: ended {Count} userpod(s) of the previous build", keys.Count);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        base.Dispose();
        var servers = _builder.EndServers();
        if (servers > 0) log.LogInformation("dev: ended {Count} build server process(es)", servers);
        DevBuilder.TryDelete(dev.Work);
    }

    /// <summary>Registers dev mode's services (the registration hunk in Hosting/RouterApp).</summary>
    public static void AddTo(IServiceCollection services, DevMode dev)
    {
        services.AddSingleton(dev);
        services.AddSingleton<DevChannel>();
        services.AddHostedService<DevLoop>();
    }

    /// <summary>
    /// Dev mode only: maps the dev channel (before the userpods' catch-all), and marks every response with the
    /// <see cref="DevChannel.Cookie"/> cookie, by which htag.js knows there is a channel to listen to.
    /// </summary>
    public static void Map(WebApplication app)
    {
        if (app.Services.GetService<DevChannel>() is not { } channel) return;
        app.Use((ctx, next) =>
        {
            ctx.Response.Cookies.Append(DevChannel.Cookie, "1", new CookieOptions { Path = "/", SameSite = SameSiteMode.Strict });
            return next(ctx);
        });
        app.Map(DevChannel.Path, (RequestDelegate)channel.HandleAsync);
    }
}
