using System.ComponentModel;
using System.Security.Cryptography;
using HTag;

namespace HTagKube.Demo;

/// <summary>
/// File upload: each picked file streams to the handler over its own HTTP request (not the WebSocket); the handler
/// hashes it without holding it in memory. Files over the limit (10 MB by default, HTAG_MAX_UPLOAD_BYTES) get a 413.
/// </summary>
[Description("files streamed to a handler over HTTP, with a size limit")]
public sealed class UploadDemo : Tag.Div
{
    protected override IEnumerable<Static> Statics => [Static.Css(Styles.Base)];

    protected override void Init()
    {
        PageTitle = "Upload";
        var received = new Tag.Ul { Class = "received" };
        var input = new Tag.Input { ["type"] = "file", ["multiple"] = "", Class = "files" };
        input.OnUpload(async upload =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            long total = 0;
            int n;
            while ((n = await upload.Content.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                total += n;
            }
            received.Add(new Tag.Li($"{upload.FileName}: {total} bytes, sha256 {Convert.ToHexStringLower(sha.GetHashAndReset())}"));
        });
        Add(Styles.Back(), new Tag.H1("Upload files"), new Tag.P("Pick one or more files (up to 10 MB each): ", input), received);
    }
}
