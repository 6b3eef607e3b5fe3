using HTagKube.Router.Tests.Infrastructure;
using Microsoft.Playwright;

namespace HTagKube.Router.Tests.SignIn;

/// <summary>Issue 17: an htag app (the Demo's Who am I) sees the signed-in person as <c>User</c>, through X-HTag-User.</summary>
public sealed class AppUserTests
{
    [Fact]
    public async Task The_demo_app_shows_the_signed_in_user_it_got_from_the_router()
    {
        await using var provider = await TestProvider.StartAsync();
        var secret = Path.GetTempFileName();
        try
        {
            await using var router = await RouterHost.StartAsync(provider.RouterArgs(secret, "--warm-pool", "0",
                "--userpod-command", $"dotnet \"{TestPaths.DemoDll}\""));
            var browser = await DebianChromium.SharedAsync();
            await using var context = await browser.NewContextAsync();
            var page = await context.NewPageAsync();
            await Browsing.SignInAsync(page, new Uri(router.BaseAddress, "whoami"), TestProvider.Dana);
            await Assertions.Expect(page.Locator(".user"))
                .ToHaveTextAsync("Signed in as Dana Admin (dana@example.com), groups: staff, admins");
        }
        finally
        {
            File.Delete(secret);
        }
    }
}
