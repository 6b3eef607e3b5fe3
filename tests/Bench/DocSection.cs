namespace HTagKube.Bench;

/// <summary>
/// A section of docs/benchmarks.md that the local bench does not write, between two marker comments: the cluster bench's
/// (<c>make bench ARGS=--cluster</c>) and the development loop's (figures from DevLoopTests). A local <c>make bench</c>
/// renders the rest of the file afresh and keeps these as they were.
/// </summary>
/// <param name="Begin">The opening marker (a prefix of its line: the rest of the comment is free text).</param>
/// <param name="End">The closing marker.</param>
sealed record DocSection(string Begin, string End)
{
    /// <summary>Written by the cluster bench.</summary>
    public static readonly DocSection Cluster = new("<!-- cluster bench: begin (make bench ARGS=--cluster) -->", "<!-- cluster bench: end -->");

    /// <summary>The save-to-page figures of <c>make dev</c>, written from DevLoopTests' output.</summary>
    public static readonly DocSection DevLoop = new("<!-- dev loop: begin", "<!-- dev loop: end -->");

    /// <summary>The sections a local run keeps, in the order they are appended to a file that lacks them.</summary>
    public static readonly DocSection[] Kept = [Cluster, DevLoop];

    /// <summary>The section in <paramref name="doc"/> (markers included, with a final newline), or null.</summary>
    public string? Extract(string doc)
    {
        var b = doc.IndexOf(Begin, StringComparison.Ordinal);
        var e = b < 0 ? -1 : doc.IndexOf(End, b, StringComparison.Ordinal);
        return b >= 0 && e > b ? doc[b..(e + End.Length)] + "\n" : null;
    }

    /// <summary><paramref name="doc"/> with this section replaced by <paramref name="section"/> (appended when it had none).</summary>
    public string Splice(string doc, string section)
    {
        var b = doc.IndexOf(Begin, StringComparison.Ordinal);
        var e = b < 0 ? -1 : doc.IndexOf(End, b, StringComparison.Ordinal);
        if (b >= 0 && e > b)
        {
            var after = e + End.Length;
            if (after < doc.Length && doc[after] == '\n') after++;
            return doc[..b] + section + doc[after..];
        }
        return doc.TrimEnd('\n') + "\n\n" + section;
    }

    /// <summary>A freshly rendered document with the kept sections of the one it replaces (null: none).</summary>
    public static string KeepSections(string fresh, string? old)
    {
        if (old is null) return fresh;
        foreach (var s in Kept)
            if (s.Extract(old) is { } section) fresh = s.Splice(fresh, section);
        return fresh;
    }
}
