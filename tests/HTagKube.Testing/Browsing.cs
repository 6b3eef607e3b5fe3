using Microsoft.Playwright;

namespace HTagKube.Testing;

/// <summary>Chromium steps shared by the sign-in tests (router and cluster) with a <see cref="TestProvider"/>.</summary>
public static class Browsing
{
    /// <summary>Opens <paramref name="url"/>, fills the provider's login form as <paramref name="user"/>, and waits to be back.</summary>
    public static async Task<IResponse?> SignInAsync(IPage page, Uri url, TestUser user)
    {
        await page.OpenAsync(url.ToString());
        await page.FillAsync("#username", user.Username);
        await page.FillAsync("#password", user.Password);
        var back = page.WaitForResponseAsync(r => r.Url == url.ToString(), new() { Timeout = 120_000 });
        await page.ClickAsync("#signin");
        return await back;
    }

    /// <summary>Signs out as a user does: the router's logout page, its button (a POST), and the page saying so.</summary>
    public static async Task SignOutAsync(IPage page, Uri router)
    {
        await page.OpenAsync(new Uri(router, "_htagkube/logout").ToString(), new() { Timeout = 120_000 });
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("text=You are signed out", new() { Timeout = 120_000 });
    }

    /// <summary>The text of the page at <paramref name="url"/> (already signed in).</summary>
    public static async Task<string> TextAsync(IPage page, Uri url)
    {
        var res = await page.OpenAsync(url.ToString(), new() { Timeout = 120_000 });
        return await res!.TextAsync();
    }

    /// <summary>A page navigation (as a browser asks for HTML) carrying <paramref name="cookies"/>, for HTTP-level checks.</summary>
    public static HttpRequestMessage Navigation(string path, string? cookies = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, path);
        req.Headers.Accept.ParseAdd("text/html");
        if (cookies is not null) req.Headers.Add("Cookie", cookies);
        return req;
    }

    /// <summary>Copies the context's router cookies into a Cookie header (for HTTP-level checks).</summary>
    public static async Task<string> CookieHeaderAsync(IBrowserContext context, Uri router) =>
        string.Join("; ", (await context.CookiesAsync([router.ToString()])).Select(c => $"{c.Name}={c.Value}"));
}
