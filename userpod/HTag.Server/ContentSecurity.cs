namespace HTag;

/// <summary>
/// Extra sources for the pages' Content-Security-Policy, per server (<see cref="HTagOptions.ContentSecurity"/>) and
/// per app (<see cref="AppOptions.ContentSecurity"/>, added to the server's). The policy stays strict whatever is
/// added: scripts run only with the page's nonce (<c>'strict-dynamic'</c>: a script URL loads when a nonce'd script,
/// e.g. a <see cref="Static.ScriptUrl"/>, adds it), no inline handlers, no eval, no plugins, no base tag.
/// A source is one CSP source expression: <c>https://cdn.example.org</c>, <c>https:</c>, <c>'self'</c>.
/// </summary>
public sealed class ContentSecurity
{
    /// <summary>Style sheets (<c>style-src</c>), e.g. a CDN for <see cref="Static.StyleSheet"/>.</summary>
    public List<string> Styles { get; } = [];

    /// <summary>Scripts (<c>script-src</c>; browsers without <c>'strict-dynamic'</c> use them).</summary>
    public List<string> Scripts { get; } = [];

    /// <summary>Images (<c>img-src</c>).</summary>
    public List<string> Images { get; } = [];

    /// <summary>Fonts (<c>font-src</c>).</summary>
    public List<string> Fonts { get; } = [];

    /// <summary>fetch/XHR/WebSocket targets (<c>connect-src</c>).</summary>
    public List<string> Connect { get; } = [];

    /// <summary>Pages allowed to frame the app (<c>frame-ancestors</c>); none by default.</summary>
    public List<string> FrameAncestors { get; } = [];

    /// <summary>Reads HTAG_CSP_STYLE_SRC, HTAG_CSP_SCRIPT_SRC, HTAG_CSP_IMG_SRC, HTAG_CSP_FONT_SRC, HTAG_CSP_CONNECT_SRC and
    /// HTAG_CSP_FRAME_ANCESTORS (space-separated sources).</summary>
    internal void AddFrom(Func<string, string?> setting)
    {
        static IEnumerable<string> Split(string? v) =>
            (v ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Styles.AddRange(Split(setting("HTAG_CSP_STYLE_SRC")));
        Scripts.AddRange(Split(setting("HTAG_CSP_SCRIPT_SRC")));
        Images.AddRange(Split(setting("HTAG_CSP_IMG_SRC")));
        Fonts.AddRange(Split(setting("HTAG_CSP_FONT_SRC")));
        Connect.AddRange(Split(setting("HTAG_CSP_CONNECT_SRC")));
        FrameAncestors.AddRange(Split(setting("HTAG_CSP_FRAME_ANCESTORS")));
    }

    /// <summary>
    /// The policy for a page with the server's and the app's sources, <c>{nonce}</c> standing for the page's nonce.
    /// Every rule of the policy is here. A source that could end a directive or smuggle another (whitespace, ';', ',',
    /// quotes other than the CSP keywords' own) is refused when the server starts.
    /// </summary>
    internal static string Template(ContentSecurity server, ContentSecurity app)
    {
        string Extra(Func<ContentSecurity, List<string>> pick)
        {
            var all = pick(server).Concat(pick(app)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var s in all) Check(s);
            return all.Count == 0 ? "" : " " + string.Join(' ', all);
        }
        var ancestors = Extra(c => c.FrameAncestors);
        return "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'" + Extra(c => c.Scripts) +
               "; style-src 'self' 'nonce-{nonce}'" + Extra(c => c.Styles) +
               "; style-src-attr 'unsafe-inline'; img-src 'self' data:" + Extra(c => c.Images) +
               "; font-src 'self'" + Extra(c => c.Fonts) +
               "; connect-src 'self'" + Extra(c => c.Connect) +
               "; object-src 'none'; base-uri 'none'; frame-ancestors " + (ancestors.Length == 0 ? "'none'" : ancestors.TrimStart()) +
               "; form-action 'self'";
    }

    static readonly string[] Keywords = ["'self'", "'none'", "'unsafe-inline'", "'unsafe-eval'", "'wasm-unsafe-eval'", "'unsafe-hashes'"];

    static void Check(string source)
    {
        if (string.IsNullOrEmpty(source) || source.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ';' or ','))
            throw new ArgumentException($"'{source}' is not a CSP source (one expression: no spaces, ';' or ',').");
        if (source.Contains('\'') && !Keywords.Contains(source)
            && !(source.StartsWith("'sha", StringComparison.Ordinal) && source.EndsWith('\'')))
            throw new ArgumentException($"'{source}' is not a CSP source (quoted: only the CSP keywords and hashes).");
    }
}
