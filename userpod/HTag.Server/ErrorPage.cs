using Microsoft.AspNetCore.Http;

namespace HTag;

/// <summary>The page a user gets when an app cannot be shown (bad query, Init failed or hung): a plain, script-free document.</summary>
static class ErrorPage
{
    public static async Task WriteAsync(HttpContext ctx, int status, string title, string? detail)
    {
        var r = ctx.Response;
        r.StatusCode = status;
        r.ContentType = "text/html; charset=utf-8";
        r.Headers.CacheControl = "no-store";
        r.Headers.ContentSecurityPolicy = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
        r.Headers.XContentTypeOptions = "nosniff";
        var html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + HtmlText.Escape(title) + "</title></head><body>" +
                   "<h1 class=\"htag-error\">" + HtmlText.Escape(title) + "</h1>" +
                   (detail is null ? "" : "<pre class=\"htag-error-detail\">" + HtmlText.Escape(detail) + "</pre>") +
                   "<p><a href=\"\">Try again</a></p></body></html>";
        await r.WriteAsync(html, ctx.RequestAborted).ConfigureAwait(false);
    }
}
