using System.Collections.Concurrent;
using System.Net.WebSockets;

namespace HTagKube.Soak;

/// <summary>Errors by kind, each expected (the scenario provokes it) or not (the soak fails).</summary>
sealed class ErrorTally
{
    readonly ConcurrentDictionary<(string Kind, bool Expected), int> _counts = new();
    readonly ConcurrentQueue<string> _examples = new();

    public void Add(string kind, bool expected, string? example = null)
    {
        _counts.AddOrUpdate((kind, expected), 1, (_, n) => n + 1);
        if (!expected && example is not null && _examples.Count < 20) _examples.Enqueue($"{kind}: {example}");
    }

    /// <summary>Sorts a client-side failure into a kind (none of them is expected in this scenario).</summary>
    public void Add(Exception e)
    {
        var kind = e switch
        {
            StateLostException s => s.Kind,
            WebSocketException w => $"websocket: {w.WebSocketErrorCode}",
            HttpRequestException h => $"http: {h.HttpRequestError}",
            OperationCanceledException => "timeout (no answer within the client's deadline)",
            InvalidOperationException i when i.Message.StartsWith("GET ", StringComparison.Ordinal) => "page: " + string.Join(' ', i.Message.Split(' ').Take(3)),
            InvalidOperationException i when i.Message.StartsWith("socket closed", StringComparison.Ordinal) => "websocket closed by the server",
            InvalidOperationException i when i.Message.StartsWith("userpod answered", StringComparison.Ordinal) => "userpod answered err/reload",
            _ => e.GetType().Name,
        };
        Add(kind, expected: false, e.Message.Length > 300 ? e.Message[..300] : e.Message);
    }

    public IReadOnlyList<(string Kind, bool Expected, int Count)> Counts =>
        [.. _counts.OrderBy(c => c.Key.Expected).ThenBy(c => c.Key.Kind).Select(c => (c.Key.Kind, c.Key.Expected, c.Value))];

    public int Unexpected => _counts.Where(c => !c.Key.Expected).Sum(c => c.Value);

    public IReadOnlyCollection<string> Examples => _examples;

    /// <summary>The reports' table of errors by kind ("None." without any).</summary>
    public string Markdown() => Counts.Count == 0 ? "None.\n"
        : "| Kind | Expected | Count |\n|---|---|---|\n" + string.Concat(Counts.Select(c => $"| {c.Kind} | {(c.Expected ? "yes" : "**no**")} | {c.Count} |\n"));
}

/// <summary>A page or an update showed another count than the user's clicks (and expiries) imply.</summary>
sealed class StateLostException(string kind, string message) : Exception(message)
{
    public string Kind { get; } = kind;
}
