using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace HTag;

/// <summary>
/// Which values <see cref="Tag.Session"/> and <see cref="Tag.State"/> keep: those System.Text.Json writes without
/// reflection (so they survive trimming and NativeAOT), because the session is kept as a JSON document outside the process.
/// Built in: null, strings, bools, numbers, <see cref="JsonNode"/>, <see cref="JsonElement"/>, and common collections
/// (<c>List&lt;string&gt;</c>, <c>List&lt;int&gt;</c>, <c>string[]</c>, <c>Dictionary&lt;string, string&gt;</c>…).
/// Any other type needs a source-generated <see cref="JsonSerializerContext"/> that lists it, registered once at start:
/// <code>
/// [JsonSerializable(typeof(List&lt;Item&gt;))] partial class MyJson : JsonSerializerContext;
/// HTagJson.Register(MyJson.Default);
/// </code>
/// </summary>
public static class HTagJson
{
    static readonly Lock s_lock = new();
    static IJsonTypeInfoResolver[] s_registered = [];
    static JsonSerializerOptions s_options = Build([]);

    /// <summary>Lets the session keep (and <see cref="SessionExtensions.Get{T}"/> read back) the types
    /// <paramref name="resolver"/> knows, usually a source-generated <see cref="JsonSerializerContext"/>'s
    /// <c>Default</c>. Register before the apps run; the latest registered wins for a type several know.</summary>
    /// <param name="resolver">The context (or any resolver) to add.</param>
    public static void Register(IJsonTypeInfoResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        lock (s_lock)
        {
            // Options freeze once used: each registration builds new ones (start-up only, so rarely).
            s_registered = [resolver, .. s_registered];
            Volatile.Write(ref s_options, Build(s_registered));
        }
    }

    static JsonSerializerOptions Build(IJsonTypeInfoResolver[] registered) =>
        new() { TypeInfoResolver = JsonTypeInfoResolver.Combine([.. registered, SessionJsonBuiltIns.Default]) };

    internal static JsonSerializerOptions Options => Volatile.Read(ref s_options);

    /// <summary>The type info for <paramref name="type"/>, or null when no resolver knows it.</summary>
    internal static JsonTypeInfo? TypeInfo(Type type) => Options.TryGetTypeInfo(type, out var info) ? info : null;
}

/// <summary>Reads typed values out of <see cref="Tag.Session"/>, <see cref="Tag.State"/> or
/// <c>HttpContext.HTagSession()</c>.</summary>
public static class SessionExtensions
{
    /// <summary>
    /// The value under <paramref name="key"/> as a <typeparamref name="T"/>, or <paramref name="fallback"/> when there is
    /// none (or null). A session restored after the user's process was lost holds objects and arrays as
    /// <see cref="JsonNode"/>: this converts them (through <see cref="HTagJson"/>'s resolvers) and stores the typed object
    /// back, so changing it in place (<c>list.Add(x)</c>) is kept. Numbers convert between numeric types.
    /// </summary>
    /// <typeparam name="T">A type the session can keep (<see cref="HTagJson"/>).</typeparam>
    /// <param name="session">The session or a State.</param>
    /// <param name="key">The key.</param>
    /// <param name="fallback">What to return when the key is absent.</param>
    /// <exception cref="InvalidOperationException">The value cannot be read as <typeparamref name="T"/>.</exception>
    public static T? Get<T>(this IDictionary<string, object?> session, string key, T? fallback = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!session.TryGetValue(key, out var v) || v is null) return fallback;
        if (v is T t) return t;
        var converted = SessionValues.Convert<T>(key, v);
        // The typed object from now on: its in-place changes are what gets written.
        if (v is JsonNode or JsonElement && converted is not null) session[key] = converted;
        return converted;
    }
}

/// <summary>The value rules of the session (<see cref="HTagJson"/>): checking, writing, restoring, converting.</summary>
static class SessionValues
{
    /// <summary>Throws when <paramref name="value"/> could not be kept as JSON: at assignment, where the app sees it.</summary>
    public static void Check(string? slice, string key, object? value)
    {
        switch (value)
        {
            case null or string or bool or int or long or short or byte or sbyte or ushort or uint or ulong or decimal:
            case JsonNode:
            case SessionDictionary:
                return;
            case JsonElement e when e.ValueKind != JsonValueKind.Undefined:
                return;
            case double d when double.IsFinite(d):
                return;
            case float f when float.IsFinite(f):
                return;
            case double or float:
                throw new ArgumentException(
                    $"{Where(slice, key)}: {value} cannot be kept as JSON (only finite numbers).", nameof(value));
        }
        // A bare object has a type info (STJ's own) but no content to keep: refused like any unknown type.
        if (value is JsonElement || value.GetType() == typeof(object) || HTagJson.TypeInfo(value.GetType()) is null)
            throw new ArgumentException(
                $"{Where(slice, key)}: a {NameOf(value.GetType())} cannot be kept in the session, which holds JSON values only: " +
                "null, string, bool, numbers, JsonNode, JsonElement, common collections of them (List<string>, int[], " +
                "Dictionary<string, string>…), or a type listed in a source-generated JsonSerializerContext registered at " +
                $"start with HTagJson.Register(MyJsonContext.Default) ([JsonSerializable(typeof({NameOf(value.GetType())}))]).",
                nameof(value));
    }

    static string Where(string? slice, string key) =>
        slice is null ? $"Session[\"{key}\"]" : $"State[\"{key}\"] of {slice}";

    /// <summary>A C#-like name: <c>List&lt;Item&gt;</c> rather than <c>List`1</c>.</summary>
    internal static string NameOf(Type t)
    {
        if (t.IsArray) return NameOf(t.GetElementType()!) + "[]";
        if (!t.IsGenericType) return t.Name;
        var name = t.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return (tick > 0 ? name[..tick] : name) + "<" + string.Join(", ", t.GetGenericArguments().Select(NameOf)) + ">";
    }

    /// <summary>Writes a value <see cref="Check"/> accepted, as it is now.</summary>
    public static void Write(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case float f: w.WriteNumberValue(f); break;
            case decimal m: w.WriteNumberValue(m); break;
            case short or byte or sbyte or ushort: w.WriteNumberValue(System.Convert.ToInt32(value, CultureInfo.InvariantCulture)); break;
            case uint u: w.WriteNumberValue(u); break;
            case ulong u: w.WriteNumberValue(u); break;
            case JsonNode n: n.WriteTo(w); break;
            case JsonElement e: e.WriteTo(w); break;
            case SessionDictionary d:
                w.WriteStartObject();
                foreach (var (k, v) in d.Inner.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.WritePropertyName(k);
                    Write(w, v);
                }
                w.WriteEndObject();
                break;
            default:
                var info = HTagJson.TypeInfo(value.GetType())
                    ?? throw new NotSupportedException($"no JsonSerializerContext knows {NameOf(value.GetType())}");
                JsonSerializer.Serialize(w, value, info);
                break;
        }
    }

    /// <summary>A document's value as the app would have stored it: primitives as CLR values, the rest as a JsonNode.</summary>
    public static object? Restore(JsonNode? node)
    {
        if (node is null) return null;
        switch (node.GetValueKind())
        {
            case JsonValueKind.String: return node.GetValue<string>();
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Null: return null;
            case JsonValueKind.Number:
                var v = node.AsValue();
                if (v.TryGetValue<int>(out var i)) return i;
                if (v.TryGetValue<long>(out var l)) return l;
                return v.GetValue<double>();
            default:
                return node.DeepClone(); // detached from the document, so the app may move it anywhere
        }
    }

    public static T Convert<T>(string key, object value)
    {
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (IsNumber(value.GetType()) && IsNumber(target))
        {
            try { return (T)System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture); }
            catch (OverflowException e)
            {
                throw new InvalidOperationException($"Session value '{key}' ({value}) does not fit in a {target.Name}.", e);
            }
        }
        if (HTagJson.TypeInfo(typeof(T)) is not JsonTypeInfo<T> info)
            throw new InvalidOperationException(
                $"Session value '{key}' cannot be read as {NameOf(typeof(T))}: no JsonSerializerContext knows it " +
                $"(register one listing it with HTagJson.Register(MyJsonContext.Default)).");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buffer)) Write(w, value);
        try { return JsonSerializer.Deserialize(buffer.WrittenSpan, info)!; }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"Session value '{key}' cannot be read as {NameOf(typeof(T))}: {e.Message}", e);
        }
    }

    static bool IsNumber(Type t) =>
        t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(float) || t == typeof(decimal)
        || t == typeof(short) || t == typeof(byte) || t == typeof(sbyte) || t == typeof(ushort) || t == typeof(uint) || t == typeof(ulong);
}

/// <summary>The types the session keeps without the app registering anything.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(DateTime))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(long[]))]
[JsonSerializable(typeof(double[]))]
[JsonSerializable(typeof(bool[]))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(List<long>))]
[JsonSerializable(typeof(List<double>))]
[JsonSerializable(typeof(List<bool>))]
[JsonSerializable(typeof(HashSet<string>))]
[JsonSerializable(typeof(HashSet<int>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(Dictionary<string, long>))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSerializable(typeof(Dictionary<string, bool>))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(JsonElement))]
sealed partial class SessionJsonBuiltIns : JsonSerializerContext;
