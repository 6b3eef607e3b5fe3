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
    /// Answers with <paramref name="content"/> as a file download (<c>Content-Disposition: attachment</c>, the name
    /// encoded for any language), its type from <paramref name="contentType"/> or the file name's extension.
    /// </summary>
    /// <param name="response">The endpoint's response, not started.</param>
    /// <param name="content">The bytes to send, read to the end (not disposed).</param>
    /// <param name="fileName">The name the browser saves it under.</param>
    /// <param name="contentType">The media type; null: from the extension, else <c>application/octet-stream</c>.</param>
    /// <param name="ct">Cancels the copy (pass <c>HttpContext.RequestAborted</c>).</param>
    public static async Task DownloadAsync(this HttpResponse response, Stream content, string fileName, string? contentType = null, CancellationToken ct = default)
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
