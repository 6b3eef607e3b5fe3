using HTagKube.Router.Tests.Infrastructure;
using Microsoft.Playwright;

namespace HTagKube.Router.Tests.SignIn;

/// <summary>The test provider and one router signing users in with it (allow-list: group staff; admins: group admins).</summary>
public sealed class SignInFixture : IAsyncLifetime
{
    public TestProvider Provider { get; private set; } = null!;
    public RouterHost Router { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    readonly string _secretFile = Path.GetTempFileName();

    public async Task InitializeAsync()
    {
        Provider = await TestProvider.StartAsync();
        Router = await RouterHost.StartAsync(Provider.RouterArgs(_secretFile,
            "--oidc-allowed-groups", "staff", "--oidc-admin-group", "admins", "--warm-pool", "0"));
        Browser = await DebianChromium.SharedAsync();
    }

    public async Task DisposeAsync()
    {
        await Router.DisposeAsync();
        await Provider.DisposeAsync();
        File.Delete(_secretFile);
    }
}
