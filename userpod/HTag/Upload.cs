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

    /// <summary>The file's name as the browser gave it (no folders; never trust it as a path).</summary>
    public string FileName { get; }

    /// <summary>The browser's idea of its media type (may be empty).</summary>
    public string ContentType { get; }

    /// <summary>Its declared size in bytes, when the browser declared one.</summary>
    public long? Length { get; }

    /// <summary>The contents, read once, forward only.</summary>
    public Stream Content { get; }
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
}
