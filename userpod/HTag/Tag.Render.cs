using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace HTag;

public partial class Tag
{
    /// <summary>
    /// A tag with no element of its own (htag's <c>Tag(None)</c> placeholder): its children render in its place.
    /// Updatable like any tag; since the browser has no element for it, a change to it re-sends the element that
    /// holds it. Derive a component from it to render without a wrapper. No attributes, events or <see cref="Js"/>.
    /// </summary>
    /// <param name="content">Children: text, tags.</param>
    public class Fragment(params object?[] content) : Tag(content);

    /// <summary>
    /// Rebuilds this tag's content from its state (htag's <c>render(self)</c>). When a tag overrides it, the framework
    /// calls it before every rendering of the app: the first page, after each interaction, push, exposed call or
    /// upload, and on a resync. Only what changed reaches the browser: if the tag's HTML is the same as the browser's,
    /// nothing is sent. Tags built here take over the ids of those they replace (same element name, same order), so the
    /// browser's elements and their handlers keep matching. Runs under the app's lock, timeout and watchdog; an
    /// exception is reported like a handler's. Cost: the tag's subtree is rendered once per interaction to compare it;
    /// for a large subtree that rarely changes, prefer updating the tags that change from the handlers.
    /// </summary>
    protected virtual void Render() { }

    /// <summary>The HTML the browser has for this tag (only kept for tags overriding <see cref="Render()"/>).</summary>
    string? _renderedHtml;

    bool? _overridesRender;
    static readonly ConcurrentDictionary<Type, bool> s_overridesRender = new();

    bool OverridesRender => _overridesRender ??= TypeOverridesRender();

    bool TypeOverridesRender()
    {
        var type = GetType();
        if (s_overridesRender.TryGetValue(type, out var yes)) return yes;
        yes = type.GetMethod(nameof(Render), BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes)?.DeclaringType != typeof(Tag);
        s_overridesRender[type] = yes;
        return yes;
    }

    /// <summary>
    /// Runs <see cref="Render()"/> of every tag of this subtree that overrides it, parents before children; a tag whose
    /// HTML came out as the browser has it is marked unchanged (nothing sent). Caller holds the app's lock.
    /// </summary>
    internal void RunRenders(RenderRun run)
    {
        var renders = OverridesRender;
        List<Tag>? before = null;
        if (renders)
        {
            before = [];
            CollectDescendants(before);
            var mark = Interlocked.Read(ref s_nextId);
            try { Render(); }
            catch (Exception e) { run.Failed(this, e); }
            ReuseIds(before, mark);
        }
        for (var i = 0; i < _children.Count; i++)
            if (_children[i] is Tag t) t.RunRenders(run);
        if (!renders || !run.Records) return;
        if (!run.Full && _renderedHtml is not null && !SubtreeDirty()) return;
        var sb = new StringBuilder();
        RenderHtml(sb, probe: true);
        var html = sb.ToString();
        if (!run.Full && html == _renderedHtml) ClearDirty();
        _renderedHtml = html;
    }

    void CollectDescendants(List<Tag> into)
    {
        foreach (var c in _children)
            if (c is Tag t)
            {
                into.Add(t);
                t.CollectDescendants(into);
            }
    }

    /// <summary>
    /// Tags the last <see cref="Render()"/> built (newer than <paramref name="mark"/>) take the ids of the tags it dropped,
    /// in order and by element name: a rebuilt list keeps its ids, so its HTML is unchanged when its content is, and the
    /// ids the browser holds find the new tags' handlers. A dropped tag gets a fresh id (it may be added again later).
    /// </summary>
    void ReuseIds(List<Tag> before, long mark)
    {
        if (before.Count == 0) return;
        var now = new List<Tag>();
        CollectDescendants(now);
        var here = new HashSet<Tag>(now, ReferenceEqualityComparer.Instance);
        Dictionary<string, Queue<Tag>>? freed = null;
        var root = Root;
        foreach (var old in before)
        {
            if (here.Contains(old) || old.Root == root) continue; // kept, or moved elsewhere in the app: its id is in use
            freed ??= new(StringComparer.Ordinal);
            if (!freed.TryGetValue(old.TagName, out var q)) freed[old.TagName] = q = new();
            q.Enqueue(old);
        }
        if (freed is null) return;
        foreach (var t in now)
        {
            if (t._serial <= mark || !freed.TryGetValue(t.TagName, out var q) || !q.TryDequeue(out var old)) continue;
            t.Id = old.Id;
            (old._serial, old.Id) = NewId();
        }
    }

    bool SubtreeDirty()
    {
        if (_dirty) return true;
        foreach (var c in _children)
            if (c is Tag t && t.SubtreeDirty()) return true;
        return false;
    }

    void ClearDirty()
    {
        _dirty = false;
        foreach (var c in _children)
            if (c is Tag t) t.ClearDirty();
    }
}

/// <summary>One pass of <see cref="Tag.RunRenders"/>: full (a whole page: every Render tag records its HTML) or after an
/// interaction; the exceptions Render methods threw.</summary>
sealed class RenderRun(bool full, bool records = true)
{
    public bool Full { get; } = full;

    /// <summary>The HTML goes to the browser, so Render tags record it (false for <see cref="Tag.ToString"/>, which
    /// sends nothing: recording there would hide the next real change).</summary>
    public bool Records { get; } = records;
    public List<(Tag Tag, Exception Error)> Errors { get; } = [];

    public void Failed(Tag tag, Exception e) => Errors.Add((tag, e));

    public void ThrowIfFailed()
    {
        if (Errors.Count > 0) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(Errors[0].Error).Throw();
    }
}
