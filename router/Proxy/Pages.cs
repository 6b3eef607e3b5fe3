namespace HTagKube.Router.Proxy;

/// <summary>The router's own short answers (starting, full, unavailable): HTML for navigations, text otherwise.</summary>
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
        WriteAsync(ctx, 429, 60, IsNavigation(ctx) ? Simple("Too many new sessions", "Too many new sessions from your address. Please wait a minute.") : null,
            "Too many new sessions from this address; retry later.");

    /// <summary>503 when the session cannot be reached or started right now.</summary>
    public static Task WriteUnavailableAsync(HttpContext ctx, string why) =>
        WriteAsync(ctx, 503, 2, IsNavigation(ctx) ? Simple("Session unavailable", why) : null, why);

    static string Simple(string title, string text) =>
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>" +
        $"<body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>";

    static async Task WriteAsync(HttpContext ctx, int status, int retryAfter, string? html, string text)
    {
        if (ctx.Response.HasStarted) { ctx.Abort(); return; }
        ctx.Response.StatusCode = status;
        ctx.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.ContentType = html is null ? "text/plain; charset=utf-8" : "text/html; charset=utf-8";
        try { await ctx.Response.WriteAsync(html ?? text + "\n", ctx.RequestAborted); }
        catch (Exception e) when (e is IOException or OperationCanceledException) { }
    }
}
