using System.Net;
using HTagKube.Router.Admission;
using HTagKube.Routing;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Tests.Admission;

/// <summary>The ISessionAdmission contract; both implementations run exactly these tests, each on its route table.</summary>
public abstract class SessionAdmissionContract : IAsyncLifetime
{
    protected const int Cap = 4;
    protected IRouteTable Table { get; private set; } = null!;

    /// <summary>A new, empty route table for the admission to read.</summary>
    protected abstract Task<IRouteTable> CreateTableAsync();

    /// <summary>An admission on <see cref="Table"/>'s store (for Redis: on its own connection, as another router).</summary>
    protected abstract Task<ISessionAdmission> CreateAdmissionAsync(AdmissionLimits limits);

    public async Task InitializeAsync() => Table = await CreateTableAsync();
    public virtual async Task DisposeAsync() => await Table.DisposeAsync();

    static AdmissionLimits Limits(int perClient = 1000, TimeSpan? window = null, TimeSpan? reservation = null) =>
        new(Cap, perClient, window ?? TimeSpan.FromMinutes(1), reservation ?? TimeSpan.FromMinutes(1));

    protected static string NewUser() => UserKey.FromUid(UserKey.NewUid());
    protected static string Client(int i) => ClientKey.Of(IPAddress.Parse($"203.0.113.{i}"));
    static RouteEntry Route() => new("127.0.0.1:4000", "local:4000", "token", DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task A_concurrent_burst_of_new_users_admits_exactly_the_cap()
    {
        var admission = await CreateAdmissionAsync(Limits());
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => admission.AdmitAsync(NewUser(), Client(i), default))));
        Assert.Equal(Cap, results.Count(r => r == AdmissionResult.Admitted));
        Assert.Equal(20 - Cap, results.Count(r => r == AdmissionResult.Full));
    }

    [Fact]
    public async Task When_full_a_user_with_a_route_or_a_start_in_progress_is_admitted_and_a_replacement_is_never_refused()
    {
        var admission = await CreateAdmissionAsync(Limits());
        var users = Enumerable.Range(0, Cap).Select(_ => NewUser()).ToList();
        foreach (var u in users) Assert.Equal(AdmissionResult.Admitted, await admission.AdmitAsync(u, Client(1), default));
        Assert.Equal(AdmissionResult.Full, await admission.AdmitAsync(NewUser(), Client(2), default));

        // Still starting: the same user's second request is admitted without taking another place.
        Assert.Equal(AdmissionResult.Admitted, await admission.AdmitAsync(users[0], Client(3), default));
        // A route someone else published (another router, the operator): admitted.
        var routed = NewUser();
        await Table.PutAsync(routed, Route(), TimeSpan.FromMinutes(1), default);
        Assert.Equal(AdmissionResult.Admitted, await admission.AdmitAsync(routed, Client(4), default));
        // A dead route being replaced: never refused.
        await admission.KeepAsync(NewUser(), default);
        Assert.Equal(AdmissionResult.Full, await admission.AdmitAsync(NewUser(), Client(5), default));
    }

    [Fact]
    public async Task A_finished_start_counts_while_its_route_exists_and_a_failed_one_frees_its_place_at_once()
    {
        var admission = await CreateAdmissionAsync(Limits());
        var users = Enumerable.Range(0, Cap).Select(_ => NewUser()).ToList();
        foreach (var u in users) Assert.Equal(AdmissionResult.Admitted, await admission.AdmitAsync(u, Client(1), default));

        await Table.PutAsync(users[0], Route(), TimeSpan.FromMinutes(1), default);
        await admission.StartEndedAsync(users[0], default);
        Assert.Equal(AdmissionResult.Full, await admission.AdmitAsync(NewUser(), Client(2), default));

        await admission.StartEndedAsync(users[1], default); // failed: no route
        Assert.Equal(AdmissionResult.Admitted, await admission.AdmitAsync(NewUser(), Client(3), default));
        Assert.Equal(AdmissionResult.Full, await admission.AdmitAsync(NewUser(), Client(4), default));

        await Table.RemoveAsync(users[0], null, default); // the session ended
        Assert.Equal(AdmissionResult.Admitted, await admission.AdmitAsync(NewUser(), Client(5), default));
    }

    [Fact]
    public async Task A_reservation_whose_router_died_mid_start_expires()
    {
        var admission = await CreateAdmissionAsync(Limits(reservation: TimeSpan.FromMilliseconds(300)));
        for (var i = 0; i < Cap; i++) Assert.Equal(AdmissionResult.Admitted, await admission.AdmitAsync(NewUser(), Client(1), default));
        // Nobody ends these starts: they free their places when the reservations expire.
        await Eventually.True(async () => await admission.AdmitAsync(NewUser(), Client(2), default) == AdmissionResult.Admitted,
            TimeSpan.FromSeconds(30), "reservations expired");
    }

    [Fact]
    public async Task One_client_gets_its_quota_of_new_sessions_per_window_others_are_unaffected()
    {
        var admission = await CreateAdmissionAsync(Limits(perClient: 2, window: TimeSpan.FromSeconds(1)));
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => admission.AdmitAsync(NewUser(), Client(7), default))));
        Assert.Equal(2, results.Count(r => r == AdmissionResult.Admitted));
        Assert.Equal(4, results.Count(r => r == AdmissionResult.RateLimited));
        Assert.Equal(AdmissionResult.Admitted, await admission.AdmitAsync(NewUser(), Client(8), default));
        // A refused attempt takes no place in the cap: one place is left.
        Assert.Equal(AdmissionResult.RateLimited, await admission.AdmitAsync(NewUser(), Client(7), default));
        await Eventually.True(async () => await admission.AdmitAsync(NewUser(), Client(7), default) == AdmissionResult.Admitted,
            TimeSpan.FromSeconds(30), "the next window");
        Assert.Equal(AdmissionResult.Full, await admission.AdmitAsync(NewUser(), Client(9), default));
    }
}

/// <summary>The contract in memory (local mode).</summary>
public sealed class InMemorySessionAdmissionTests : SessionAdmissionContract
{
    protected override Task<IRouteTable> CreateTableAsync() => Task.FromResult<IRouteTable>(new InMemoryRouteTable());

    protected override Task<ISessionAdmission> CreateAdmissionAsync(AdmissionLimits limits) =>
        Task.FromResult<ISessionAdmission>(new InMemorySessionAdmission(Table, limits));
}
