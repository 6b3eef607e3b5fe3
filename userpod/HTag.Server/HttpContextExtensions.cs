using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Net.Http.Headers;

namespace HTag;

/// <summary>
/// Helpers for the endpoints an app maps beside its pages (<see cref="HTagServer.MapGet"/>, <see cref="HTagServer.MapPost"/>):
/// they get ASP.NET Core's own <see cref="HttpContext"/>, plus the user the router vouches for and a download answer.
/// </summary>
public static class HttpContextExtensions
{
    /// <summary>The signed-in user the router vouches for (<c>X-HTag-User</c>), or <see cref="User.Anonymous"/>.</summary>
    /// <param name="ctx">The endpoint's request.</param>
    public static User HTagUser(this HttpContext ctx) => RequestReader.ReadUser(ctx, NullLogger.Instance);

    /// <summary>
    /// The user's session (htagweb's <c>request.session</c>): the same dictionary as every app's <see cref="Tag.Session"/>,
    /// so an endpoint can hand data (a signed-in account, a choice) to the apps, and read what they stored. The same value
    /// rules (JSON values, <see cref="HTagJson"/>); what the endpoint changed is stored before its response starts.
    /// </summary>
    /// <param name="ctx">The endpoint's request.</param>
    public static IDictionary<string, object?> HTagSession(this HttpContext ctx) => Feature(ctx).Server.Session.Shared;

    /// <summary>
    /// Answers the request with app <typeparamref name="TApp"/>'s page (htagweb's <c>req.app.handle(req, App)</c>), from
    /// any endpoint: its Init gets the query and the route values like a mapped app's. One instance per user and app type
    /// (a different path or query builds a new one); the options of the first call apply (HttpOnly, Parano…). Its pages
    /// talk to the app directly afterwards. Errors are the mapped apps' (400 bad query, 500, 503).
    /// </summary>
    /// <typeparam name="TApp">The app; its members are kept by trimming and NativeAOT, like <c>Map&lt;TApp&gt;</c>'s.</typeparam>
    /// <param name="ctx">The endpoint's request (GET), not started.</param>
    /// <param name="configure">The app's options, on the first call.</param>
    public static Task RenderAppAsync<[DynamicallyAccessedMembers(InitArgs.AppMembers)] TApp>(
        this HttpContext ctx, Action<AppOptions>? configure = null)
        where TApp : Tag, new()
    {
        var f = Feature(ctx);
        return f.Endpoints.PageAsync(ctx, f.Server.RenderedHost<TApp>(configure), RouteTemplatePath.Strings(ctx.Request.RouteValues));
    }

    static EndpointFeature Feature(HttpContext ctx) =>
        ctx.Features.Get<EndpointFeature>()
        ?? throw new InvalidOperationException("Only inside an endpoint mapped on an HTagServer (MapGet, MapPost).");

    /// <summary>
    /// Answers with <paramref name="content"/> as a file download (<c>Content-Disposition: attachment</c>, the name
    /// encoded for any language), its type from <paramref name="contentType"/> or the file name's extension.
    /// </summary>
    /// <param name="response">The endpoint's response, not started.</param>
    /// <param name="content">The bytes to send, read to the end (not disposed).</param>
    /// <param name="fileName">The name the browser saves it under.</param>
    /// <param name="contentType">The media type; null: from the extension, else <c>application/octet-stream</c>.</param>
    /// <param name="ct">Cancels the copy (pass <c>HttpContext.RequestAborted</c>).</param>
    public static async Task DownloadAsync(
        this HttpResponse response, Stream content, string fileName, string? contentType = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        if (contentType is null && !new FileExtensionContentTypeProvider().TryGetContentType(fileName, out contentType))
            contentType = "application/octet-stream";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(Path.GetFileName(fileName));
        response.ContentType = contentType;
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
        if (content.CanSeek) response.ContentLength = content.Length - content.Position;
        await content.CopyToAsync(response.Body, ct).ConfigureAwait(false);
    }
}

/// <summary>What an endpoint's <see cref="HttpContext"/> carries for <see cref="HttpContextExtensions"/>: its server.</summary>
sealed record EndpointFeature(HTagServer Server, Endpoints Endpoints);
