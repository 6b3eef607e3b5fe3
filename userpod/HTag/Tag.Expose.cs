using System.Text.Json;
using System.Text.Json.Nodes;

namespace HTag;

public partial class Tag
{
    Dictionary<string, Func<JsonElement[], Task<JsonNode?>>>? _exposed;

    /// <summary>
    /// Makes a method callable from the page's JavaScript, like htag's <c>@expose</c>:
    /// <c>const sum = await htag.call("add", 1, 2)</c>. The arguments arrive as JSON values, the result goes back as
    /// JSON; it runs under the same lock as event handlers (never at the same time as one), and what it changes in the
    /// tag tree reaches the page like a handler's changes. Register on the app (the root tag), e.g. in Init.
    /// Calls are HTTP POSTs limited to <c>MaxMessageBytes</c>; not available in parano mode.
    /// </summary>
    /// <param name="name">The name JavaScript calls it by.</param>
    /// <param name="method">Takes the arguments, returns the result (null for none).</param>
    public void Expose(string name, Func<JsonElement[], JsonNode?> method)
    {
        ArgumentNullException.ThrowIfNull(method);
        Expose(name, args => Task.FromResult(method(args)));
    }

    /// <summary>Makes an asynchronous method callable from the page's JavaScript; see
    /// <see cref="Expose(string, Func{JsonElement[], JsonNode})"/>.</summary>
    /// <param name="name">The name JavaScript calls it by.</param>
    /// <param name="method">Takes the arguments, completes with the result.</param>
    public void Expose(string name, Func<JsonElement[], Task<JsonNode?>> method)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(method);
        if (name.Length > 100 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            throw new ArgumentException($"'{name}': an exposed name is up to 100 letters, digits, '_', '-' or '.'.", nameof(name));
        var root = Root;
        (root._exposed ??= new(StringComparer.Ordinal))[name] = method;
    }

    internal Func<JsonElement[], Task<JsonNode?>>? GetExposed(string name) =>
        _exposed is not null && _exposed.TryGetValue(name, out var m) ? m : null;
}
