using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HTag;

/// <summary>
/// <c>POST /_htag/upload?app=&amp;i=&amp;id=&amp;name=</c>, body the file: hands the request body as a stream to the tag's
/// upload handler (<see cref="Tag.OnUpload"/>) under the interaction rules. A file over
/// <see cref="HTagOptions.MaxUploadBytes"/> is a 413 (before the handler when its length is declared, else when the
/// handler reads past the limit); 404 unknown instance or field (the field is looked up under the lock: the tag tree is
/// the app's), 405 not a POST, 403 parano app.
/// </summary>
static class HttpUpload
{
    public static async Task HandleAsync(HttpContext ctx, HTagServer server)
    {
        if (await HttpInteraction.FindForPostAsync(ctx, server, "uploads").ConfigureAwait(false) is not { } instance) return;
        var id = ctx.Request.Query["id"].ToString();
        var limit = server.Options.MaxUploadBytes;
        var name = SafeName(ctx.Request.Query["name"].ToString());
        if (ctx.Request.ContentLength > limit)
        {
            await TooLargeAsync(ctx, name, limit).ConfigureAwait(false);
            return;
        }
        // Ours is the limit that counts (Kestrel's default of 30 MB would cut it, or cut larger configured ones).
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;
        var body = new LimitedStream(ctx.Request.Body, limit);
        var upload = new Upload(name, ctx.Request.ContentType ?? "", ctx.Request.ContentLength, body);
        var (merged, finished) = await HttpInteraction.RunMergedAsync(send => Interactions.RunAsync(instance,
            partial => instance.Runtime.UploadAsync(id, upload, partial, CancellationToken.None), "upload " + name, send,
            ctx.RequestAborted)).ConfigureAwait(false);
        if (body.Exceeded)
        {
            await TooLargeAsync(ctx, name, limit).ConfigureAwait(false);
            return;
        }
        if (instance.Runtime.Exited) instance.Host.Forget(instance);
        await HttpInteraction.WriteAsync(ctx, HttpInteraction.StatusOf(merged, finished), merged).ConfigureAwait(false);
    }

    static Task TooLargeAsync(HttpContext ctx, string name, long limit) =>
        HttpInteraction.WriteAsync(ctx, StatusCodes.Status413PayloadTooLarge,
            new ServerMessage
            {
                Err = $"'{(name.Length > 60 ? name[..60] : name)}' is over the upload limit of {Size(limit)}",
            });

    /// <summary>The browser's file name without folders or control characters (NUL included); <c>upload</c> for
    /// nothing, <c>.</c> or <c>..</c>. Still the user's text, never to be trusted as a path, but never one that names
    /// a folder.</summary>
    internal static string SafeName(string raw)
    {
        var name = new string(Path.GetFileName(raw.Replace('\\', '/')).Where(c => !char.IsControl(c)).ToArray()).Trim();
        return name is "" or "." or ".." ? "upload" : name;
    }

    static string Size(long bytes) => bytes < 1024 * 1024
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB");

    /// <summary>The request body, read-only, throwing <see cref="UploadTooLargeException"/> past the limit.</summary>
    sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        long _read;

        public bool Exceeded { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var n = await inner.ReadAsync(buffer, ct).ConfigureAwait(false);
            Count(n);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            Count(n);
            return n;
        }

        void Count(int n)
        {
            _read += n;
            if (_read <= limit) return;
            Exceeded = true;
            throw new UploadTooLargeException(limit);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
