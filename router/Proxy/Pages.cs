namespace HTagKube.Router.Proxy;

/// <summary>
/// The router's own answers, all written here (starting, full, rate-limited, unavailable, upstream failures):
/// HTML for navigations, text otherwise, <c>Retry-After</c> where a retry can help, never cached.
/// </summary>
public static class Pages
{
    const string Starting = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1">
        <meta name="viewport" content="width=device-width"><title>Starting your session…</title></head>
        <body style="font-family:sans-serif;margin:3em"><p>Starting your session…</p>
        <p><small>This page reloads by itself.</small></p></body></html>
        """;

    /// <summary>True for a top-level browser navigation (it gets pages that retry by themselves).</summary>
    public static bool IsNavigation(HttpContext ctx)
    {
        var req = ctx.Request;
        if (!HttpMethods.IsGet(req.Method) || ctx.WebSockets.IsWebSocketRequest) return false;
        var mode = req.Headers["Sec-Fetch-Mode"].ToString();
        if (mode.Length > 0) return mode == "navigate";
        return req.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>503 + Retry-After; a self-reloading "starting" page for navigations.</summary>
    public static Task WriteStartingAsync(HttpContext ctx) =>
        WriteAsync(ctx, 503, 1, IsNavigation(ctx) ? Starting : null, "Session starting; retry shortly.");

    /// <summary>503 for a new user while the router is at its session cap.</summary>
    public static Task WriteFullAsync(HttpContext ctx) =>
        WriteAsync(ctx, 503, 30, IsNavigation(ctx) ? Simple("Server full", "All sessions are in use. Please try again in a minute.") : null,
            "Server full: no session available; retry later.");

    /// <summary>429 for a client IP creating sessions too fast.</summary>
    public static Task WriteRateLimitedAsync(HttpContext ctx) =>
        WriteAsync(ctx, 429, 60,
            IsNavigation(ctx) ? Simple("Too many new sessions", "Too many new sessions from your address. Please wait a minute.") : null,
            "Too many new sessions from this address; retry later.");

    /// <summary>
    /// 503 when the session cannot be reached or started right now (the route table slow or down, a start that failed):
    /// for navigations a page that reloads by itself after the Retry-After, as the "starting" page does, so a user is
    /// not left on it when the moment has passed.
    /// </summary>
    public static Task WriteUnavailableAsync(HttpContext ctx, string why) =>
        WriteAsync(ctx, 503, UnavailableRetrySeconds, IsNavigation(ctx)
            ? Simple("Session unavailable", why + "</p><p><small>This page reloads by itself.</small>", UnavailableRetrySeconds)
            : null, why);

    const int UnavailableRetrySeconds = 2;

    /// <summary>502: the session failed to answer (or refused a WebSocket with a success status).</summary>
    public static Task WriteBadGatewayAsync(HttpContext ctx, string why = "The session failed to answer.") =>
        WriteAsync(ctx, 502, 2, IsNavigation(ctx) ? Simple("Session error", why) : null, why);

    /// <summary>504: the session did not answer within <c>--upstream-timeout</c>.</summary>
    public static Task WriteGatewayTimeoutAsync(HttpContext ctx) =>
        WriteAsync(ctx, 504, 2, IsNavigation(ctx) ? Simple("Session too slow", "The session did not answer in time.") : null,
            "The session did not answer in time.");

    /// <summary>
    /// A client error the router answers itself (bad body, body too large, a status the userpod refused an upgrade with).
    /// </summary>
    public static Task WriteClientErrorAsync(HttpContext ctx, int status, string why) => WriteAsync(ctx, status, null, null, why);

    /// <summary>403 for a signed-in user outside the allow-lists (no session is started for them).</summary>
    public static Task WriteForbiddenAsync(HttpContext ctx) =>
        WriteAsync(ctx, 403, null, IsNavigation(ctx)
            ? Simple("Not allowed", "You are signed in, but this site is not open to your account. " + SignOutForm)
            : null, "Signed in, but not allowed here.");

    /// <summary>400 when a sign-in callback fails (stale, forged, or the provider refused).</summary>
    public static Task WriteSignInFailedAsync(HttpContext ctx) =>
        WriteAsync(ctx, 400, null, Simple("Sign-in failed", "The sign-in did not complete. <a href=\"/\">Try again</a>."),
            "Sign-in failed.");

    /// <summary>The logout page: a button (POST, so no other site can sign a user out), or the result after it.</summary>
    public static Task WriteSignOutAsync(HttpContext ctx, bool done) =>
        WriteAsync(ctx, 200, null, done
            ? Simple("Signed out", "You are signed out. <a href=\"/\">Sign in again</a>.")
            : Simple("Sign out", SignOutForm), done ? "Signed out." : "POST to sign out.");

    const string SignOutForm =
        "<form method=\"post\" action=\"/_htagkube/logout\"><button type=\"submit\">Sign out</button></form>";

    static string Simple(string title, string text, int? reloadSeconds = null) =>
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">" +
        (reloadSeconds is int r ? $"<meta http-equiv=\"refresh\" content=\"{r}\">" : "") + $"<title>{title}</title></head>" +
        $"<body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>";

    static async Task WriteAsync(HttpContext ctx, int status, int? retryAfter, string? html, string text)
    {
        if (ctx.Response.HasStarted) { ctx.Abort(); return; } // a truncated body must not pass for a whole one
        // No Response.Clear(): it would drop the uid cookie the router may have just issued.
        ctx.Response.StatusCode = status;
        if (retryAfter is int seconds)
            ctx.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.ContentType = html is null ? "text/plain; charset=utf-8" : "text/html; charset=utf-8";
        try { await ctx.Response.WriteAsync(html ?? text + "\n", ctx.RequestAborted); }
        catch (Exception e) when (e is IOException or OperationCanceledException) { }
    }
}
