namespace HTag;

/// <summary>
/// HTML inserted as is, without escaping. The only way to put markup from a string into the page:
/// never build one from user input.
/// </summary>
/// <param name="html">The markup, trusted by the caller.</param>
public sealed class RawHtml(string html)
{
    /// <summary>The markup.</summary>
    public string Html { get; } = html ?? "";

    /// <inheritdoc/>
    public override string ToString() => Html;
}
