namespace HTag;

/// <summary>
/// One file the user picked in an <c>&lt;input type="file"&gt;</c> bound with <see cref="Tag.OnUpload"/>: its name, type
/// and contents as a stream straight from the HTTP request (never through the 64 KB WebSocket message, never held in
/// memory whole). Reading past the server's upload limit throws <see cref="UploadTooLargeException"/>.
/// </summary>
public sealed class Upload
{
    internal Upload(string fileName, string contentType, long? length, Stream content)
    {
        FileName = fileName;
        ContentType = contentType;
        Length = length;
        Content = content;
    }

    /// <summary>The file's name as the browser gave it, without folders or control characters (NUL included), and
    /// <c>upload</c> for nothing, <c>.</c> or <c>..</c>; still the user's text: never trust it as a path.</summary>
    public string FileName { get; }

    /// <summary>The browser's idea of its media type (may be empty).</summary>
    public string ContentType { get; }

    /// <summary>Its declared size in bytes, when the browser declared one.</summary>
    public long? Length { get; }

    /// <summary>The contents, read once, forward only.</summary>
    public Stream Content { get; }
}

/// <summary>
/// An upload that did not reach its handler, as the browser saw it (<see cref="Tag.OnUploadError(Func{UploadError, Task})"/>):
/// refused for its size by the ingress, the router or this server (413), cut by a timeout, or lost with the connection.
/// </summary>
public sealed class UploadError
{
    internal UploadError(string fileName, int status, string reason)
    {
        FileName = fileName;
        Status = status;
        Reason = reason;
    }

    /// <summary>The file's name as the browser gave it (never trust it as a path).</summary>
    public string FileName { get; }

    /// <summary>The HTTP status the browser got (413 too large, 503 timed out…), 0 when the connection failed.</summary>
    public int Status { get; }

    /// <summary>A sentence for the user, e.g. <c>'a.bin' is over the upload limit of 10 MB</c>.</summary>
    public string Reason { get; }

    /// <summary>The event name htag.js reports a failed upload under.</summary>
    internal const string EventName = "htaguploaderror";

    internal static UploadError From(Event e) =>
        new(e["name"] ?? "", int.TryParse(e["status"], System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 0,
            e["reason"] ?? "");
}

/// <summary>An upload went past the server's limit (<c>MaxUploadBytes</c>); the user gets a 413 error.</summary>
public sealed class UploadTooLargeException(long limit) : IOException($"the upload is over the limit of {limit} bytes")
{
    /// <summary>The limit in bytes.</summary>
    public long Limit { get; } = limit;
}

public partial class Tag
{
    internal Func<Upload, Task>? _upload;

    /// <summary>
    /// Makes this tag (an <c>&lt;input type="file"&gt;</c>; add <c>multiple</c> for several) send the files the user picks
    /// to <paramref name="handler"/>, one call per file, each with the file's contents as a stream over its own HTTP
    /// request. It runs like an event handler: under the app's lock and the interaction timeout (the transfer
    /// included), and its changes reach the page. A file over the server's <c>MaxUploadBytes</c> is refused with a
    /// 413: before the handler runs when the browser declares its size, else (a chunked upload) when the handler reads
    /// past the limit, which throws <see cref="UploadTooLargeException"/> in it. Null removes it.
    /// </summary>
    /// <param name="handler">Reads the upload.</param>
    /// <returns>This tag.</returns>
    public Tag OnUpload(Func<Upload, Task>? handler)
    {
        if (_upload == handler) return this;
        _upload = handler;
        MarkDirty();
        return this;
    }

    /// <summary>
    /// Runs <paramref name="handler"/> when one of this tag's uploads fails (<see cref="OnUpload"/>), wherever it
    /// failed: a 413 from the ingress (its own HTML page), the router or this server, a timeout, a lost connection. It
    /// runs like an event handler (its changes reach the page). Without one, the page shows the reason in a
    /// dismissible box (or gives it to the page's <c>window.error</c> when it defines one). Null removes it.
    /// </summary>
    /// <param name="handler">Gets the file name, the status and the reason.</param>
    /// <returns>This tag.</returns>
    public Tag OnUploadError(Func<UploadError, Task>? handler) =>
        On(UploadError.EventName, handler is null ? null : (Func<Event, Task>)(e => handler(UploadError.From(e))));

    /// <summary>A synchronous <see cref="OnUploadError(Func{UploadError, Task})"/>.</summary>
    /// <param name="handler">Gets the file name, the status and the reason.</param>
    /// <returns>This tag.</returns>
    public Tag OnUploadError(Action<UploadError>? handler) =>
        On(UploadError.EventName, handler is null ? null : (Action<Event>)(e => handler(UploadError.From(e))));
}
