using System.Globalization;

namespace HTag;

/// <summary>A browser event delivered to a handler: which tag, which event, and the data the browser sent.</summary>
public sealed class Event
{
    internal Event(Tag target, string type, IReadOnlyDictionary<string, string?> data, IReadOnlyList<string?> args)
    {
        Target = target;
        Type = type;
        Data = data;
        Args = args;
    }

    /// <summary>The tag whose handler runs.</summary>
    public Tag Target { get; }

    /// <summary>The DOM event type, e.g. <c>click</c>.</summary>
    public string Type { get; }

    /// <summary>
    /// Every field the browser sent: the event's own primitive fields (<c>key</c>, <c>clientX</c>…), plus
    /// <c>value</c>/<c>checked</c> of the element, and for <c>submit</c> the form's fields by name.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Data { get; }

    /// <summary>The values of the browser-evaluated arguments given to <see cref="Tag.On(string, Action{Event}, string[])"/>,
    /// in order.</summary>
    public IReadOnlyList<string?> Args { get; }

    /// <summary>A field of <see cref="Data"/>, or null.</summary>
    /// <param name="name">The field name.</param>
    public string? this[string name] => Data.TryGetValue(name, out var v) ? v : null;

    /// <summary>The element's <c>value</c> (inputs, selects, textareas), or null.</summary>
    public string? Value => this["value"];

    /// <summary>The element's <c>checked</c> state (checkboxes, radios).</summary>
    public bool Checked => this["checked"] == "true";

    /// <summary>The key of a keyboard event, e.g. <c>Enter</c>, or null.</summary>
    public string? Key => this["key"];

    /// <summary>The pointer's X coordinate in the viewport, for mouse events.</summary>
    public double? ClientX => Number("clientX");

    /// <summary>The pointer's Y coordinate in the viewport, for mouse events.</summary>
    public double? ClientY => Number("clientY");

    double? Number(string name) =>
        double.TryParse(this[name], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
