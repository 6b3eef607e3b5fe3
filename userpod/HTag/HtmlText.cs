using System.Text;

namespace HTag;

/// <summary>HTML escaping and element facts used by the renderer.</summary>
static class HtmlText
{
    static readonly HashSet<string> s_void = new(StringComparer.Ordinal)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    };

    public static bool IsVoid(string name) => s_void.Contains(name);

    /// <summary>Element and attribute names: letters, digits, '-', '_', ':', '.'; starting with a letter.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || !char.IsAsciiLetter(name[0])) return false;
        foreach (var ch in name)
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or ':' or '.')) return false;
        return true;
    }

    public static void EscapeText(StringBuilder sb, string s)
    {
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                default: sb.Append(ch); break;
            }
        }
    }

    public static void EscapeAttribute(StringBuilder sb, string s)
    {
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default: sb.Append(ch); break;
            }
        }
    }

    public static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        EscapeAttribute(sb, s);
        return sb.ToString();
    }
}
