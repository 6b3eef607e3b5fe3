using System.Buffers;
using System.Net;

namespace HTagKube.Router.Forwarding;

/// <summary>
/// Request body streamed from the client to the upstream as it arrives (never buffered whole).
/// <see cref="Started"/> tells whether any byte was read, i.e. whether a retry is still possible.
/// </summary>
public sealed class StreamCopyContent(Stream source, long? length, CancellationToken clientAborted) : HttpContent
{
    const int BufferSize = 64 * 1024;

    /// <summary>True once the upstream began reading the body.</summary>
    public bool Started { get; private set; }

    /// <summary>Set when reading the client's body failed (too large, malformed, client gone).</summary>
    public Exception? ClientError { get; private set; }

    /// <inheritdoc />
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
    {
        Started = true;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, clientAborted);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while (true)
            {
                try { n = await source.ReadAsync(buffer.AsMemory(0, BufferSize), linked.Token); }
                catch (Exception e) when (e is IOException or OperationCanceledException)
                {
                    ClientError = e;
                    throw;
                }
                if (n == 0) break;
                await stream.WriteAsync(buffer.AsMemory(0, n), linked.Token);
                await stream.FlushAsync(linked.Token); // stream through: the upstream sees bytes as the client sends them
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    /// <inheritdoc />
    protected override bool TryComputeLength(out long len)
    {
        len = length ?? -1;
        return length is not null;
    }
}
