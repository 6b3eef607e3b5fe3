using Microsoft.Playwright;

namespace HTagKube.Testing;

/// <summary>Chromium steps shared by the sign-in tests (router and cluster) with a <see cref="TestProvider"/>.</summary>
public static class Browsing
{
    /// <summary>
    /// Opens <paramref name="url"/>, fills the provider's login form as <paramref name="user"/>, and returns the answer
    /// for <paramref name="url"/> once the sign-in brings the browser back. A sign-in is a chain of navigations (the
    /// form's POST, the provider's redirects, the router's callback, the page); when Chromium ends it on its error page
    /// for a network change or "offline" (the host's interfaces change all through a CI run: <see cref="SteadyNavigation"/>),
    /// this signs in again as a person would: the URL again, which is the page itself if the login cookie was set already.
    /// Any other end fails at once, saying where the browser is (a blind two-minute wait said nothing: stop 30).
    /// </summary>
    public static async Task<IResponse?> SignInAsync(IPage page, Uri url, TestUser user)
    {
        var target = url.ToString();
        for (var attempt = 1; ; attempt++)
        {
            var opened = await page.OpenAsync(target);
            if (page.Url == target) return opened; // signed in already, by an earlier attempt's callback
            await page.FillAsync("#username", user.Username);
            await page.FillAsync("#password", user.Password);
            var back = page.WaitForResponseAsync(r => r.Url == target, new() { Timeout = SignInTimeoutMs });
            _ = back.ContinueWith(t => t.Exception, TaskScheduler.Default); // observed when abandoned below
            var errorPage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnNavigated(object? sender, IFrame frame)
            {
                if (frame == page.MainFrame && SteadyNavigation.IsErrorPage(frame.Url)) errorPage.TrySetResult();
            }
            page.FrameNavigated += OnNavigated;
            try
            {
                await page.ClickAsync("#signin");
                if (await Task.WhenAny(back, errorPage.Task) == back) return await back;
            }
            catch (PlaywrightException) when (SteadyNavigation.IsErrorPage(page.Url)) { }
            catch (TimeoutException e)
            {
                throw new TimeoutException(
                    $"{user.Username}'s sign-in: no answer for {target} within {SignInTimeoutMs / 1000} s; the browser is at {page.Url}: "
                    + await VisibleTextAsync(page), e);
            }
            finally { page.FrameNavigated -= OnNavigated; }
            await SteadyNavigation.BeforeAnotherAttemptAsync(page, attempt, $"{user.Username}'s sign-in");
        }
    }

    const int SignInTimeoutMs = 120_000;

    /// <summary>The start of the page's visible text, for a failure message.</summary>
    static async Task<string> VisibleTextAsync(IPage page)
    {
        try
        {
            var text = await page.InnerTextAsync("body", new() { Timeout = 5_000 });
            return text.Length > 600 ? text[..600] + "…" : text;
        }
        catch (PlaywrightException e) { return $"(unreadable: {e.Message})"; }
        catch (TimeoutException) { return "(no body)"; }
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
