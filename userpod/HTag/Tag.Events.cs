using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace HTag;

/// <summary>How a handler runs: <c>flush</c> sends the changes made so far (streaming handlers).</summary>
delegate Task HandlerInvoker(Event e, Func<Task> flush);

/// <summary>A handler bound to one DOM event of one tag, with its browser-evaluated arguments.</summary>
sealed record EventBinding(HandlerInvoker Invoke, Delegate Original, string[] Args);

public partial class Tag
{
    /// <summary>
    /// Binds a synchronous handler to the DOM event <paramref name="eventName"/> (any event: <c>keyup</c>,
    /// <c>mouseover</c>…). <paramref name="args"/> are evaluated in the browser when the event fires and
    /// delivered in <see cref="Event.Args"/>: property paths from <c>this</c> (the element), <c>event</c>
    /// or <c>window</c>, e.g. <c>"this.value"</c>, <c>"event.key"</c>, <c>"this.dataset.row"</c>.
    /// Binding null removes the handler.
    /// </summary>
    /// <param name="eventName">The DOM event name, without "on".</param>
    /// <param name="handler">The handler.</param>
    /// <param name="args">Browser-evaluated argument expressions.</param>
    /// <returns>This tag.</returns>
    public Tag On(string eventName, Action<Event>? handler, params string[] args)
    {
        if (handler is not null && handler.Method.IsDefined(typeof(AsyncStateMachineAttribute), false))
            throw new ArgumentException(
                "An async lambda here would be 'async void': bind it with On(eventName, async e => ...) returning Task.", nameof(handler));
        return Bind(eventName, handler, handler is null ? null : (e, _) => { handler(e); return Task.CompletedTask; }, args);
    }

    /// <summary>Binds an asynchronous handler: the browser gets the changes when the returned task completes.</summary>
    /// <param name="eventName">The DOM event name, without "on".</param>
    /// <param name="handler">The handler.</param>
    /// <param name="args">Browser-evaluated argument expressions (see <see cref="On(string, Action{Event}, string[])"/>).</param>
    /// <returns>This tag.</returns>
    public Tag On(string eventName, Func<Event, Task>? handler, params string[] args) =>
        Bind(eventName, handler, handler is null ? null : (e, _) => handler(e), args);

    /// <summary>
    /// Binds a streaming handler (an <c>async IAsyncEnumerable</c> method), like htag's generator handlers: what it
    /// yields (a tag, text, or a list of them) is appended to the handler's tag (<see cref="Event.Target"/>), and after
    /// each <c>yield</c> the changes made so far are sent to the browser. <c>yield return null</c> only sends.
    /// </summary>
    /// <param name="eventName">The DOM event name, without "on".</param>
    /// <param name="handler">The handler.</param>
    /// <param name="args">Browser-evaluated argument expressions (see <see cref="On(string, Action{Event}, string[])"/>).</param>
    /// <returns>This tag.</returns>
    public Tag On(string eventName, Func<Event, IAsyncEnumerable<object?>>? handler, params string[] args) =>
        Bind(eventName, handler, handler is null ? null : async (e, flush) =>
        {
            await foreach (var item in handler(e).ConfigureAwait(true))
            {
                e.Target.Add(item);
                await flush().ConfigureAwait(true);
            }
        }, args);

    /// <summary>
    /// Binds a synchronous generator handler (an <c>IEnumerable</c> iterator method): like the asynchronous one, each
    /// yielded tag or text is appended to the handler's tag and the changes so far are sent at each <c>yield</c>.
    /// </summary>
    /// <param name="eventName">The DOM event name, without "on".</param>
    /// <param name="handler">The handler.</param>
    /// <param name="args">Browser-evaluated argument expressions (see <see cref="On(string, Action{Event}, string[])"/>).</param>
    /// <returns>This tag.</returns>
    public Tag On(string eventName, Func<Event, IEnumerable<object?>>? handler, params string[] args) =>
        Bind(eventName, handler, handler is null ? null : async (e, flush) =>
        {
            foreach (var item in handler(e))
            {
                e.Target.Add(item);
                await flush().ConfigureAwait(true);
            }
        }, args);

    Tag Bind(string eventName, Delegate? original, HandlerInvoker? invoker, string[] args)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        if (IsFragment) throw new InvalidOperationException("A fragment has no element, so no events: bind them on an element in it.");
        var name = eventName.ToLowerInvariant();
        if (!HtmlText.IsValidName(name)) throw new ArgumentException($"'{eventName}' is not a valid event name.", nameof(eventName));
        foreach (var a in args) EventArgsPath.Validate(a);
        if (invoker is null || original is null)
        {
            if (_events?.Remove(name) == true) MarkDirty();
            return this;
        }
        _events ??= new(StringComparer.Ordinal);
        _events[name] = new EventBinding(invoker, original, args);
        MarkDirty();
        return this;
    }

    Action<Event>? GetSync(string name) =>
        _events is not null && _events.TryGetValue(name, out var b) ? b.Original as Action<Event> : null;

    /// <summary>Click handler (synchronous; for an async one use <c>On("click", async e => …)</c>).</summary>
    public Action<Event>? OnClick { get => GetSync("click"); set => On("click", value); }

    /// <summary>Change handler: fires when an input's value is committed. <see cref="Event.Value"/> holds it.</summary>
    public Action<Event>? OnChange { get => GetSync("change"); set => On("change", value); }

    /// <summary>Input handler: fires on every edit of an input. <see cref="Event.Value"/> holds the value.</summary>
    public Action<Event>? OnInput { get => GetSync("input"); set => On("input", value); }

    /// <summary>Submit handler of a form: the browser does not navigate; the form fields are in <see cref="Event.Data"/>.</summary>
    public Action<Event>? OnSubmit { get => GetSync("submit"); set => On("submit", value); }

    /// <summary>Key-down handler; <see cref="Event.Key"/> holds the key.</summary>
    public Action<Event>? OnKeyDown { get => GetSync("keydown"); set => On("keydown", value); }

    /// <summary>Key-up handler; <see cref="Event.Key"/> holds the key.</summary>
    public Action<Event>? OnKeyUp { get => GetSync("keyup"); set => On("keyup", value); }

    /// <summary>Double-click handler.</summary>
    public Action<Event>? OnDblClick { get => GetSync("dblclick"); set => On("dblclick", value); }

    /// <summary>Focus handler.</summary>
    public Action<Event>? OnFocus { get => GetSync("focus"); set => On("focus", value); }

    /// <summary>Blur handler.</summary>
    public Action<Event>? OnBlur { get => GetSync("blur"); set => On("blur", value); }

    /// <summary>Mouse-over handler.</summary>
    public Action<Event>? OnMouseOver { get => GetSync("mouseover"); set => On("mouseover", value); }

    internal EventBinding? GetBinding(string eventName) =>
        _events is not null && _events.TryGetValue(eventName, out var b) ? b : null;

    void RenderEventAttributes(StringBuilder sb)
    {
        if (_upload is not null) sb.Append(" data-htag-upload=\"\"");
        if (_events is null || _events.Count == 0) return;
        sb.Append(" data-htag-on=\"").AppendJoin(' ', _events.Keys).Append('"');
        foreach (var (name, b) in _events)
        {
            if (b.Args.Length == 0) continue;
            sb.Append(" data-htag-args-").Append(name).Append("=\"");
            HtmlText.EscapeAttribute(sb, JsonSerializer.Serialize(b.Args, WireJson.Default.StringArray));
            sb.Append('"');
        }
    }
}

/// <summary>Browser-evaluated arguments are property paths, never code: a strict CSP forbids eval.</summary>
static class EventArgsPath
{
    public static void Validate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parts = path.Split('.');
        if (parts[0] is not ("this" or "event" or "window"))
            throw new ArgumentException($"'{path}': an argument is a property path starting with this, event or window.", nameof(path));
        foreach (var p in parts)
            if (p.Length == 0 || !(char.IsAsciiLetter(p[0]) || p[0] is '_' or '$')
                || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$'))
                throw new ArgumentException($"'{path}' is not a property path.", nameof(path));
    }
}
