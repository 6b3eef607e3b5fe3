using HTagKube.Routing.Identity;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>One router with the test userpod, shared by the tests of a class (each test uses its own users).</summary>
public sealed class SharedRouter : IAsyncLifetime
{
    public RouterHost Router { get; private set; } = null!;

    public async Task InitializeAsync() => Router = await RouterHost.StartAsync();
    public async Task DisposeAsync() => await Router.DisposeAsync();

    /// <summary>A new user: its uid, a client carrying it, and (after the first request) its route.</summary>
    public (string Uid, HttpClient Client) NewUser()
    {
        var uid = UserKey.NewUid();
        return (uid, Router.ClientWithUid(uid));
    }

    /// <summary>The token the router holds for this user's userpod.</summary>
    public string TokenOf(string uid) => Router.Provisioner.Find(UserKey.FromUid(uid))!.Route.Token;
}
