using HTagKube.E2E.Tests.Infrastructure;
using Microsoft.Playwright;

namespace HTagKube.E2E.Tests.Apps;

/// <summary>The demo-app test classes run one after the other around one <see cref="AppsFixture"/>.</summary>
[CollectionDefinition(nameof(AppsCollection))]
public sealed class AppsCollection : ICollectionFixture<AppsFixture>;

/// <summary>
/// One router (local mode, real userpod processes, a warm pool) and the Chromium shared by the demo-app tests
/// (a router per class cost a start and a warm pool each); each test opens its own browser context, so it is its
/// own user with its own userpod process.
/// </summary>
public sealed class AppsFixture : IAsyncLifetime
{
    public Chromium Chromium { get; } = new();
    public RouterProcess Router { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Chromium.InitializeAsync();
        Router = await RouterProcess.StartAsync();
    }

    /// <summary>A new user's page at <paramref name="path"/>, interactive (WebSocket open), recording console errors.</summary>
    public async Task<(IPage Page, List<string> Errors)> OpenAsync(string path)
    {
        var page = await Chromium.NewUserPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add(m.Text); };
        page.PageError += (_, e) => { lock (errors) errors.Add(e); };
        await page.OpenAsync(new Uri(Router.BaseAddress, path.TrimStart('/')).ToString());
        await WaitReadyAsync(page);
        return (page, errors);
    }

    public static Task WaitReadyAsync(IPage page) =>
        page.WaitForFunctionAsync("() => window.htag && window.htag.connected === true");

    public async Task DisposeAsync()
    {
        if (Router is not null) await Router.DisposeAsync();
        await Chromium.DisposeAsync();
    }
}
