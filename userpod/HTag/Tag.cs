using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace HTag;

/// <summary>
/// An HTML element living on the server. Build a tree of tags (<c>Tag.Div</c>, <c>Tag.Span</c>…),
/// change it from event handlers, and the framework re-renders only the tags that changed.
/// Derive from an element (<c>class Counter : Tag.Div</c>) to write a component or an app.
/// </summary>
[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.NonPublicMethods)] // Render overrides are found by reflection (Tag.Render.cs)
public partial class Tag
{
    static long s_nextId;

    readonly List<KeyValuePair<string, string?>> _attrs = [];
    readonly List<object> _children = [];
    internal Dictionary<string, EventBinding>? _events;
    bool _dirty = true;
    bool _initialized;
    internal AppRuntime? _runtime;
    string? _pageTitle;
    internal bool _titleChanged;

    /// <summary>Creates an element named <paramref name="name"/> with optional content.</summary>
    /// <param name="name">The element name, e.g. <c>"div"</c>.</param>
    /// <param name="content">Children: strings become escaped text, tags become child elements, nulls are skipped.</param>
    public Tag(string name, params object?[] content)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!HtmlText.IsValidName(name)) throw new ArgumentException($"'{name}' is not a valid element name.", nameof(name));
        TagName = name.ToLowerInvariant();
        (_serial, Id) = NewId();
        AddRange(content);
    }

    /// <summary>A fragment: no element of its own, its children render in its place (<see cref="Fragment"/>).</summary>
    private protected Tag(object?[] content)
    {
        TagName = "";
        IsFragment = true;
        (_serial, Id) = NewId();
        AddRange(content);
    }

    static (long, string) NewId()
    {
        var n = Interlocked.Increment(ref s_nextId);
        return (n, "h" + n.ToString("x"));
    }

    /// <summary>Creation order of the tag (its id's number): tags built during a <see cref="Render()"/> are newer than the call.</summary>
    long _serial;

    /// <summary>True for a <see cref="Fragment"/>: no element, no attributes, no events; its children render in place.</summary>
    public bool IsFragment { get; }

    /// <summary>The element name (lower case), e.g. <c>div</c>; empty for a <see cref="Fragment"/>.</summary>
    public string TagName { get; }

    /// <summary>The element's id: short, unique in the process, owned by the framework. Stable for the tag's lifetime,
    /// except that a tag built by a <see cref="Render()"/> takes over the id of the tag it replaces (same element, same place).</summary>
    public string Id { get; private set; }

    /// <summary>The tag this one was added to, or null.</summary>
    public Tag? Parent { get; private set; }

    /// <summary>The top of the tree this tag belongs to (itself when it has no parent).</summary>
    public Tag Root
    {
        get
        {
            var t = this;
            while (t.Parent is not null) t = t.Parent;
            return t;
        }
    }

    /// <summary>The browser tab's title; set on any tag of an app, it applies to the app's page.</summary>
    public string? PageTitle
    {
        get => Root._pageTitle;
        set
        {
            var r = Root;
            if (r._pageTitle == value) return;
            r._pageTitle = value;
            r._titleChanged = true;
        }
    }

    /// <summary>The children, in order: <see cref="Tag"/>s and strings (text).</summary>
    public IReadOnlyList<object> Children => _children;

    /// <summary>Called once before the tag is first rendered or attached to a parent: build the content here.</summary>
    protected virtual void Init() { }

    internal void EnsureInit()
    {
        if (_initialized) return;
        _initialized = true;
        RunInit();
    }

    /// <summary>Runs the init hook; the server overrides how arguments are passed.</summary>
    internal virtual void RunInit() => Init();

    /// <summary>Marks the tag as initialized without running <see cref="Init"/> (the host calls it with arguments).</summary>
    internal void MarkInitialized() => _initialized = true;

    /// <summary>
    /// Gets or sets an attribute. Setting null removes it; the empty string renders a boolean attribute
    /// (<c>disabled</c>). Values are HTML-escaped when rendered. <c>id</c> and <c>data-htag-*</c> are reserved.
    /// </summary>
    /// <param name="name">The attribute name, e.g. <c>"href"</c> or <c>"data-x"</c>.</param>
    public string? this[string name]
    {
        get
        {
            foreach (var kv in _attrs)
                if (kv.Key == name) return kv.Value;
            return null;
        }
        set
        {
            CheckAttributeName(name);
            if (IsFragment) throw new InvalidOperationException("A fragment has no element, so no attributes.");
            var i = _attrs.FindIndex(kv => kv.Key == name);
            if (value is null)
            {
                if (i < 0) return;
                _attrs.RemoveAt(i);
            }
            else if (i < 0) _attrs.Add(new(name, value));
            else if (_attrs[i].Value == value) return;
            else _attrs[i] = new(name, value);
            MarkDirty();
        }
    }

    /// <summary>The attributes set on this tag, in the order they were first set.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Attributes => _attrs;

    static void CheckAttributeName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!HtmlText.IsValidName(name)) throw new ArgumentException($"'{name}' is not a valid attribute name.", nameof(name));
        var lower = name.ToLowerInvariant();
        if (lower == "id" || lower.StartsWith("data-htag", StringComparison.Ordinal))
            throw new ArgumentException($"'{name}' is owned by the framework.", nameof(name));
        if (lower.StartsWith("on", StringComparison.Ordinal))
            throw new ArgumentException(
                $"'{name}': inline event attributes are not allowed; use On(\"{lower[2..]}\", handler).", nameof(name));
    }

    /// <summary>The text content: setting it replaces every child with one escaped text node.</summary>
    public string Text
    {
        get
        {
            var sb = new StringBuilder();
            AppendText(sb);
            return sb.ToString();
        }
        set
        {
            DetachChildren();
            if (!string.IsNullOrEmpty(value)) _children.Add(value);
            MarkDirty();
        }
    }

    void AppendText(StringBuilder sb)
    {
        foreach (var c in _children)
        {
            if (c is string s) sb.Append(s);
            else if (c is Tag t) t.AppendText(sb);
        }
    }

    /// <summary>Adds children (tags, text; nulls are skipped) and returns this tag, for chaining.</summary>
    /// <param name="content">The children to append.</param>
    public Tag Add(params object?[] content)
    {
        AddRange(content);
        return this;
    }

    void AddRange(object?[]? content)
    {
        if (content is null) return;
        foreach (var c in content) AddOne(c);
    }

    void AddOne(object? c)
    {
        switch (c)
        {
            case null:
                return;
            case Tag t:
                if (t == this || IsDescendantOf(t)) throw new InvalidOperationException("A tag cannot contain itself.");
                t.Parent?.RemoveChild(t);
                t.Parent = this;
                _children.Add(t);
                if (_initialized) t.EnsureInit();
                break;
            case RawHtml r:
                _children.Add(r);
                break;
            case string s:
                if (s.Length == 0) return;
                _children.Add(s);
                break;
            case System.Collections.IEnumerable many:
                foreach (var x in many) AddOne(x);
                return;
            default:
                _children.Add(Convert.ToString(c, System.Globalization.CultureInfo.InvariantCulture) ?? "");
                break;
        }
        MarkDirty();
    }

    bool IsDescendantOf(Tag t)
    {
        for (var p = Parent; p is not null; p = p.Parent)
            if (p == t) return true;
        return false;
    }

    /// <summary>Removes every child.</summary>
    public void Clear()
    {
        if (_children.Count == 0) return;
        DetachChildren();
        MarkDirty();
    }

    /// <summary>Removes this tag from its parent (no-op when it has none).</summary>
    public void Remove() => Parent?.RemoveChild(this);

    /// <summary>Removes <paramref name="child"/> from this tag's children.</summary>
    /// <param name="child">A direct child of this tag.</param>
    /// <returns>True when the child was found and removed.</returns>
    public bool Remove(Tag child) => RemoveChild(child);

    bool RemoveChild(Tag child)
    {
        if (!_children.Remove(child)) return false;
        child.Parent = null;
        MarkDirty();
        return true;
    }

    void DetachChildren()
    {
        foreach (var c in _children)
            if (c is Tag t) t.Parent = null;
        _children.Clear();
    }

    /// <summary>
    /// Sends this app's pending changes to the browser now (server push), e.g. from a timer or a background
    /// task. Inside a handler it sends a partial update. Returns false when no live WebSocket can carry it
    /// (http-only mode, browser gone).
    /// </summary>
    public Task<bool> UpdateAsync() => Root._runtime is { } r ? r.PushAsync() : Task.FromResult(false);

    /// <summary>
    /// Server push from background work, safely: runs <paramref name="change"/> under the app's lock (no
    /// interaction runs at the same time), then sends what changed. Returns false when no live WebSocket can
    /// carry it (http-only mode: the changes then go with the next interaction's reply).
    /// </summary>
    /// <param name="change">Mutates tags; its exceptions reach the caller.</param>
    public Task<bool> UpdateAsync(Action change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (Root._runtime is { } r) return r.PushAsync(change);
        change();
        return Task.FromResult(false);
    }

    /// <summary>Queues JavaScript to run in the browser after the current interaction's updates, with <c>this</c> bound to
    /// this tag's element (htag's <c>self.call(js)</c>; a fragment's <c>this</c> is null).</summary>
    /// <param name="js">The script; it runs with a nonce, so a strict Content-Security-Policy allows it.</param>
    public void Call(string js)
    {
        ArgumentNullException.ThrowIfNull(js);
        Root._runtime?.QueueJs(BoundJs(js));
    }

    /// <summary><paramref name="js"/> run with <c>this</c> = this tag's element.</summary>
    internal string BoundJs(string js) =>
        "(function(){" + js + "\n}).call(document.getElementById("
        + System.Text.Json.JsonSerializer.Serialize(Id, WireJson.Default.String) + "));";

    /// <summary>
    /// Cancelled when this app's instance ends (replaced by a new query, exited, timed out): background
    /// tasks such as timers should stop on it. Never cancelled for a tag outside a hosted app.
    /// </summary>
    public CancellationToken Ended => Root._runtime?.Ended ?? CancellationToken.None;

    /// <summary>Ends this app instance: the next request builds a new one.</summary>
    public void Exit()
    {
        if (Root._runtime is { } r) r.Exited = true;
    }

    /// <summary>Marks the tag as changed: it will be re-sent to the browser after the current interaction.</summary>
    protected void MarkDirty() => _dirty = true;

    internal bool IsDirty => _dirty;

    /// <summary>Renders the tag and its descendants to HTML (running their <see cref="Render()"/> first).</summary>
    public override string ToString()
    {
        EnsureInit();
        var run = new RenderRun(full: true, records: false);
        RunRenders(run);
        run.ThrowIfFailed();
        var sb = new StringBuilder();
        RenderHtml(sb);
        return sb.ToString();
    }

    /// <summary>Writes the element's HTML; clears the dirty marks of the subtree unless <paramref name="probe"/>
    /// (a <see cref="Render()"/> tag's comparison with what the browser has).</summary>
    internal void RenderHtml(StringBuilder sb, RenderContext? ctx = null, bool probe = false)
    {
        EnsureInit();
        if (!probe) _dirty = false;
        ctx?.Rendered(this);
        if (IsFragment)
        {
            RenderChildren(sb, ctx, probe);
            return;
        }
        sb.Append('<').Append(TagName).Append(" id=\"").Append(Id).Append('"');
        foreach (var (k, v) in _attrs)
        {
            sb.Append(' ').Append(k);
            if (v is { Length: > 0 }) { sb.Append("=\""); HtmlText.EscapeAttribute(sb, v); sb.Append('"'); }
        }
        RenderEventAttributes(sb);
        sb.Append('>');
        if (HtmlText.IsVoid(TagName)) return;
        RenderChildren(sb, ctx, probe);
        sb.Append("</").Append(TagName).Append('>');
    }

    void RenderChildren(StringBuilder sb, RenderContext? ctx, bool probe)
    {
        foreach (var c in _children)
        {
            if (c is Tag t) t.RenderHtml(sb, ctx, probe);
            else if (c is RawHtml r) sb.Append(r.Html);
            else HtmlText.EscapeText(sb, (string)c);
        }
    }

    /// <summary>This element must be re-sent: it changed, or a fragment in it did (a fragment has no element of its own to
    /// update, so the element holding it is re-rendered).</summary>
    bool NeedsSending()
    {
        if (_dirty) return true;
        foreach (var c in _children)
            if (c is Tag { IsFragment: true } f && f.NeedsSending()) return true;
        return false;
    }

    /// <summary>Adds every tag of this subtree whose rendering changed, outermost first, to <paramref name="changed"/>.</summary>
    internal void CollectChanged(Dictionary<string, string> changed, RenderContext ctx)
    {
        if (!IsFragment && NeedsSending())
        {
            var sb = new StringBuilder();
            RenderHtml(sb, ctx);
            changed[Id] = sb.ToString();
            return;
        }
        foreach (var c in _children)
            if (c is Tag t) t.CollectChanged(changed, ctx);
    }

    /// <summary>Finds the tag with id <paramref name="id"/> in this subtree.</summary>
    internal Tag? Find(string id)
    {
        if (Id == id) return this;
        foreach (var c in _children)
            if (c is Tag t && t.Find(id) is { } found) return found;
        return null;
    }
}
