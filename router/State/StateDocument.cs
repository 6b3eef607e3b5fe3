using System.Text.Json;

namespace HTagKube.Router.State;

/// <summary>
/// Reading a state document from a request: at most the limit plus one byte is ever buffered (an oversized body is
/// refused as soon as it shows, never held whole), and it must be one JSON object.
/// </summary>
public static class StateDocument
{
    /// <summary>The outcome of <see cref="ReadAsync"/>.</summary>
    public enum Outcome
    {
        /// <summary>A JSON object within the limit.</summary>
        Ok,
        /// <summary>Over the limit.</summary>
        TooLarge,
        /// <summary>Not one JSON object (empty, malformed, an array, a string…).</summary>
        NotAnObject,
    }

    /// <summary>Reads the body of <paramref name="request"/> with a hard cap of <paramref name="maxBytes"/>.</summary>
    public static async Task<(Outcome Outcome, ReadOnlyMemory<byte> Document)> ReadAsync(HttpRequest request, int maxBytes,
        CancellationToken ct)
    {
        if (request.ContentLength > maxBytes) return (Outcome.TooLarge, default);
        var buffer = new byte[(int)Math.Min(maxBytes + 1L, request.ContentLength + 1 ?? 16 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes) return (Outcome.TooLarge, default);
                Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1L, 2L * buffer.Length));
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0) break;
            length += read;
        }
        if (length > maxBytes) return (Outcome.TooLarge, default);
        var document = buffer.AsMemory(0, length);
        return (IsObject(document.Span) ? Outcome.Ok : Outcome.NotAnObject, document);
    }

    /// <summary>True when <paramref name="utf8"/> is exactly one JSON object (reader only: no reflection, AOT-safe).</summary>
    public static bool IsObject(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            if (!reader.TrySkip()) return false;
            return !reader.Read(); // nothing after the object
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
