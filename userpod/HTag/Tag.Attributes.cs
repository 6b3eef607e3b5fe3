using System.Security.Cryptography;
using System.Text;

namespace HTag;

public partial class Tag
{
    /// <summary>The <c>class</c> attribute (space-separated class names); null removes it.</summary>
    public string? Class { get => this["class"]; set => this["class"] = value; }

    /// <summary>The <c>style</c> attribute (inline CSS); null removes it.</summary>
    public string? Style { get => this["style"]; set => this["style"] = value; }

    /// <summary>Adds a class name unless present.</summary>
    /// <param name="name">One class name.</param>
    /// <returns>This tag.</returns>
    public Tag AddClass(string name)
    {
        if (!HasClass(name)) Class = string.IsNullOrEmpty(Class) ? name : Class + " " + name;
        return this;
    }

    /// <summary>Removes a class name.</summary>
    /// <param name="name">One class name.</param>
    /// <returns>This tag.</returns>
    public Tag RemoveClass(string name)
    {
        if (HasClass(name))
        {
            var rest = string.Join(' ', (Class ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(c => c != name));
            Class = rest.Length == 0 ? null : rest;
        }
        return this;
    }

    /// <summary>Adds the class name when absent, removes it when present; with <paramref name="on"/>, adds (true) or removes
    /// (false).</summary>
    /// <param name="name">One class name.</param>
    /// <param name="on">Force on or off; null toggles.</param>
    /// <returns>This tag.</returns>
    public Tag ToggleClass(string name, bool? on = null) =>
        on ?? !HasClass(name) ? AddClass(name) : RemoveClass(name);

    /// <summary>
    /// One CSS property of the <c>style</c> attribute: <c>tag.SetStyle("color", "red")</c>; null removes it. The others
    /// are kept in order; the attribute goes when none is left.
    /// </summary>
    /// <param name="property">The CSS property, e.g. <c>"background-color"</c>.</param>
    /// <param name="value">Its value, or null to remove it.</param>
    /// <returns>This tag.</returns>
    public Tag SetStyle(string property, string? value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(property);
        var name = property.Trim().ToLowerInvariant();
        if (value is not null && (value.Contains(';') || value.Contains('}')))
            throw new ArgumentException($"'{value}' is not one CSS value.", nameof(value));
        var decls = StyleDeclarations();
        var i = decls.FindIndex(d => d.Key == name);
        if (value is null) { if (i >= 0) decls.RemoveAt(i); }
        else if (i >= 0) decls[i] = new(name, value.Trim());
        else decls.Add(new(name, value.Trim()));
        Style = decls.Count == 0 ? null : string.Join(";", decls.Select(d => d.Key + ":" + d.Value));
        return this;
    }

    /// <summary>The value of one CSS property of the <c>style</c> attribute, or null.</summary>
    /// <param name="property">The CSS property.</param>
    public string? GetStyle(string property)
    {
        var name = property.Trim().ToLowerInvariant();
        foreach (var d in StyleDeclarations())
            if (d.Key == name) return d.Value;
        return null;
    }

    List<KeyValuePair<string, string>> StyleDeclarations()
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var part in (Style ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.IndexOf(':');
            if (colon <= 0) continue;
            list.Add(new(part[..colon].Trim().ToLowerInvariant(), part[(colon + 1)..].Trim()));
        }
        return list;
    }

    /// <summary>True when the <c>class</c> attribute contains <paramref name="name"/>.</summary>
    /// <param name="name">One class name.</param>
    public bool HasClass(string name) => (Class ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(name);

    /// <summary>Sets or removes a boolean attribute such as <c>disabled</c>, <c>checked</c>, <c>hidden</c>.</summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="on">Present when true, absent when false.</param>
    /// <returns>This tag.</returns>
    public Tag SetFlag(string name, bool on)
    {
        this[name] = on ? "" : null;
        return this;
    }

    /// <summary>True when the attribute <paramref name="name"/> is present.</summary>
    /// <param name="name">The attribute name.</param>
    public bool HasAttribute(string name) => this[name] is not null;

    /// <summary>The <c>disabled</c> boolean attribute.</summary>
    public bool Disabled { get => HasAttribute("disabled"); set => SetFlag("disabled", value); }

    /// <summary>The <c>hidden</c> boolean attribute.</summary>
    public bool Hidden { get => HasAttribute("hidden"); set => SetFlag("hidden", value); }

    /// <summary>The <c>value</c> attribute (inputs, options, buttons).</summary>
    public string? Value { get => this["value"]; set => this["value"] = value; }

    /// <summary>
    /// JavaScript run in the browser each time this tag is rendered (first page and every re-render),
    /// with <c>this</c> bound to the element. Runs as a nonce'd script, so the strict CSP allows it.
    /// </summary>
    public string? Js
    {
        get => _js;
        set
        {
            if (_js == value) return;
            if (IsFragment) throw new InvalidOperationException("A fragment has no element to run Js on.");
            _js = value;
            MarkDirty();
        }
    }

    string? _js;

    /// <summary>
    /// CSS and JavaScript this kind of tag needs in the page's <c>&lt;head&gt;</c>: gathered from every tag
    /// of the app, de-duplicated, sent once. Override it to return <see cref="Static"/> items.
    /// </summary>
    protected virtual IEnumerable<Static> Statics => [];

    internal IEnumerable<Static> GetStatics() => Statics;
}

/// <summary>A piece of the page's head that a tag type needs (see <see cref="Tag.Statics"/>).</summary>
public sealed record Static
{
    Static(string kind, string content) { Kind = kind; Content = content; }

    internal string Kind { get; }
    internal string Content { get; }

    /// <summary>Identifies the static in the page (<c>data-htag-static</c>), so it is added once.</summary>
    internal string Key =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Kind + ":" + Content)))[..12];

    /// <summary>JavaScript that adds this static to a live page unless it is there (htag.js helpers).</summary>
    internal string InjectJs()
    {
        var arg = System.Text.Json.JsonSerializer.Serialize(Content, WireJson.Default.String);
        return Kind switch
        {
            "css" => $"htag.css(\"{Key}\"," + arg + ");",
            "cssurl" => $"htag.link(\"{Key}\"," + arg + ");",
            "jsurl" => $"htag.script(\"{Key}\"," + arg + ");",
            _ => $"if(htag.once(\"{Key}\")){{\n" + Content + "\n}",
        };
    }

    /// <summary>The head HTML of this static.</summary>
    internal string HeadHtml(string nonce) => Kind switch
    {
        "css" => $"<style nonce=\"{nonce}\" data-htag-static=\"{Key}\">" + Content.Replace("</", "<\\/") + "</style>",
        "cssurl" => $"<link rel=\"stylesheet\" data-htag-static=\"{Key}\" href=\"" + HtmlText.Escape(Content) + "\">",
        // Deferred like htag.js, so it runs after it (window.htag is there) and in order.
        "jsurl" => $"<script nonce=\"{nonce}\" data-htag-static=\"{Key}\" src=\"" + HtmlText.Escape(Content) + "\" defer></script>",
        _ => $"<script nonce=\"{nonce}\" data-htag-static=\"{Key}\">"
            + Content.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase) + "</script>",
    };

    /// <summary>A CSS style sheet given as text.</summary>
    /// <param name="css">The CSS.</param>
    public static Static Css(string css) => new("css", css);

    /// <summary>JavaScript run once when the page loads (or when the first tag needing it appears).</summary>
    /// <param name="js">The script.</param>
    public static Static Script(string js) => new("js", js);

    /// <summary>A style sheet by URL: same origin under the default CSP; another origin once allowed
    /// (<c>ContentSecurity.Styles</c> of the server or the app).</summary>
    /// <param name="url">The style sheet's URL.</param>
    public static Static StyleSheet(string url) => new("cssurl", url);

    /// <summary>A script by URL, loaded with the page's nonce (so the strict CSP lets it run, from any origin), after
    /// htag.js: it may call <c>htag.call(...)</c> (exposed methods).</summary>
    /// <param name="url">The script's URL.</param>
    public static Static ScriptUrl(string url) => new("jsurl", url);
}

/// <summary>What a render pass gathers besides HTML: scripts of rendered tags, statics seen.</summary>
sealed class RenderContext
{
    public List<string> Js { get; } = [];
    public List<Static> Statics { get; } = [];
    readonly HashSet<Type> _types = [];

    public void Rendered(Tag t)
    {
        if (t.Js is { Length: > 0 } js) Js.Add(t.BoundJs(js));
        if (_types.Add(t.GetType()))
            foreach (var s in t.GetStatics()) Statics.Add(s);
    }
}
