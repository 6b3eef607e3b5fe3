using System.Collections.Concurrent;
using HTagKube.Router.Identity;
using HTagKube.Router.Provisioning;
using HTagKube.Router.Tests.Infrastructure;
using HTagKube.Routing;
using HTagKube.Routing.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HTagKube.Router.Tests.Sessions;

/// <summary>
/// The router's session rules (Sessions/SessionService) through the real router, with the provisioner and the user
/// replaced by recorders: what each start is told, and what ending a session clears.
/// </summary>
public sealed class SessionServiceTests
{
    const string Person = "Alice Example";

    /// <summary>Always the same signed-in person (the resolver step sign-in would do).</summary>
    sealed class FixedPerson(string userKey) : IUserResolver
    {
        public ValueTask<RouterUser?> ResolveAsync(HttpContext ctx) => ValueTask.FromResult<RouterUser?>(new(userKey, Person));
    }

    /// <summary>
    /// Records every start; each takes <paramref name="startTakes"/> and its session lives at a loopback port nothing
    /// listens on (a dead userpod).
    /// </summary>
    sealed class DeadEndProvisioner(TimeSpan startTakes = default) : ISessionProvisioner
    {
        public readonly ConcurrentQueue<string?> Starts = new();
        public int Ended;

        public async Task<RouteEntry> EnsureSessionAsync(string userKey, string? displayName, CancellationToken ct)
        {
            Starts.Enqueue(displayName);
            if (startTakes > TimeSpan.Zero) await Task.Delay(startTakes, ct); // a start's own duration, not a wait for a condition
            return new RouteEntry("127.0.0.1:1", "local:1", "token", DateTimeOffset.UtcNow);
        }

        public Task RouteExpiredAsync(string userKey, CancellationToken ct) => Task.CompletedTask;
        public bool IsStarting(string userKey) => false;
        public Task RouteFailedAsync(string userKey, RouteEntry route, CancellationToken ct) => Task.CompletedTask;
        public Task<bool> EndSessionAsync(string userKey, CancellationToken ct) => Task.FromResult(Interlocked.Increment(ref Ended) > 0);
        public int LiveSessions => 0;
        public IReadOnlyList<SessionInfo> ListSessions() => [];
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_session_restarted_after_a_dead_route_keeps_the_persons_display_name()
    {
        var userKey = UserKey.FromUid(UserKey.NewUid());
        var provisioner = new DeadEndProvisioner();
        await using var router = await RouterHost.StartAsync(services =>
        {
            services.AddSingleton<ISessionProvisioner>(provisioner);
            services.AddSingleton<IUserResolver>(new FixedPerson(userKey));
        }, "--warm-pool", "0");
        using var http = router.NewClient();

        // Every route is dead: the first start and three replacements, then the "starting" page and one start in
        // the background, ready for the browser's retry.
        var res = await http.GetAsync("page");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, res.StatusCode);
        await Eventually.True(() => provisioner.Starts.Count >= 5, TimeSpan.FromSeconds(10), "the background start");
        Assert.All(provisioner.Starts, name => Assert.Equal(Person, name));
    }

    [Fact]
    public async Task One_request_waits_for_starts_at_most_the_start_wait_in_all_however_many_dead_routes_it_replaces()
    {
        var provisioner = new DeadEndProvisioner(TimeSpan.FromSeconds(2));
        await using var router = await RouterHost.StartAsync(services =>
        {
            services.AddSingleton<ISessionProvisioner>(provisioner);
            services.AddSingleton<IUserResolver>(new FixedPerson(UserKey.FromUid(UserKey.NewUid())));
        }, "--warm-pool", "0", "--start-wait", "00:00:05");
        using var http = router.NewClient();

        // Starts of 2 s whose routes are dead: two end within the 5 s, the third outlives what is left of them. Each start
        // used to get its own 5 s: four starts (20 s at worst with slow ones) before the "starting" page.
        using var res = await http.GetAsync("page");

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, res.StatusCode);
        Assert.Equal(3, provisioner.Starts.Count);
    }
}

/// <summary>Ending a session from the admin endpoint clears what the router holds of it, as logout does.</summary>
public sealed class EndingSessionTests : IAsyncLifetime
{
    RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task A_session_ended_by_the_admin_endpoint_is_not_served_from_the_route_cache()
    {
        // With Redis the router caches routes for a second: before issue 22 the admin endpoint left the ended route
        // there, so the next request met a dead userpod (htagkube_dead_routes_total) before a new one started.
        await using var router = await RouterHost.StartAsync("--redis", _redis.Configuration, "--warm-pool", "0",
            "--keep-userpods", "false");
        var uid = UserKey.NewUid();
        using var user = router.ClientWithUid(uid);
        var first = await Whoami.GetAsync(user);

        using var admin = new HttpClient { BaseAddress = router.BaseAddress };
        var ended = await admin.DeleteAsync("_htagkube/sessions/" + UserKey.FromUid(uid));
        Assert.Equal(System.Net.HttpStatusCode.NoContent, ended.StatusCode);

        var next = await Whoami.GetAsync(user);
        Assert.NotEqual(first.Pid, next.Pid);
        // Not exported until a route dies, or exported as 0.
        Assert.DoesNotMatch("(?m)^htagkube_dead_routes_total [1-9]", await router.MetricsTextAsync());
    }
}
