using System.Collections;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HTag;

/// <summary>
/// A user's session: one dictionary shared by all of the user's apps, plus one slice per tag class (<see cref="Tag.State"/>).
/// It outlives app instances (re-created on a new query or after Exit). The userpod is one user's
/// process, so the host keeps one store for its lifetime; behind an HTagKube router the host also keeps it as a JSON
/// document outside the process (<see cref="Serialize"/>, <see cref="Apply"/>), so it outlives the process too.
/// </summary>
sealed class SessionStore
{
    /// <summary>Used by tags not attached to a hosted app (tests, tools): the process is one user.</summary>
    public static SessionStore Process { get; } = new();

    /// <summary>Version of the document format (<see cref="Serialize"/>): a later format must not be read as this one.</summary>
    public const int DocumentVersion = 1;

    public SessionDictionary Shared { get; } = new(null);

    /// <summary>Forgets everything (after a warm-up render, before the real user arrives).</summary>
    public void Clear() => Shared.Clear();

    /// <summary>The State of tag class <paramref name="type"/>: kept in the session under the class's full name, as htag
    /// keeps <c>tag.state</c> in <c>tag.session</c> (so dumping the session shows it, and clearing the session clears it).</summary>
    public SessionDictionary Slice(Type type) => Slice(type.FullName ?? type.Name);

    SessionDictionary Slice(string key)
    {
        while (true)
        {
            if (Shared.Inner.TryGetValue(key, out var v) && v is SessionDictionary slice) return slice;
            var fresh = new SessionDictionary(key);
            if (v is null ? Shared.Inner.TryAdd(key, fresh) : Shared.Inner.TryUpdate(key, fresh, v)) return fresh;
        }
    }

    /// <summary>
    /// The whole session as a UTF-8 JSON document, from the objects as they are now (a list changed in place is written
    /// changed): <c>{"v":1,"session":{key: value},"state":{class: {key: value}}}</c>, keys in ordinal order so the same
    /// session always gives the same bytes. Throws <see cref="InvalidOperationException"/> when a value cannot be written
    /// (say, a NaN inside a stored object).
    /// </summary>
    public byte[] Serialize()
    {
        // Another app's handler may change a stored collection while it is being written: try again on a fresh snapshot.
        for (var attempt = 1; ; attempt++)
        {
            try { return SerializeOnce(); }
            catch (InvalidOperationException) when (attempt < 3) { }
        }
    }

    /// <summary>Relaxed escaping: the document never lands in HTML, and a user's non-ASCII text stays one UTF-8 sequence
    /// instead of \uXXXX escapes that would eat into the size limit.</summary>
    static readonly JsonWriterOptions DocumentWriter =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    byte[] SerializeOnce()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, DocumentWriter))
        {
            var entries = Shared.Inner.ToArray();
            Array.Sort(entries, (a, b) => string.CompareOrdinal(a.Key, b.Key));
            w.WriteStartObject();
            w.WriteNumber("v", DocumentVersion);
            w.WriteStartObject("session");
            foreach (var (k, v) in entries)
                if (v is not SessionDictionary) WriteEntry(w, k, v);
            w.WriteEndObject();
            w.WriteStartObject("state");
            foreach (var (k, v) in entries)
            {
                // A slice is made on first read of a State: an empty one is no change worth a write.
                if (v is not SessionDictionary slice || slice.Count == 0) continue;
                w.WriteStartObject(k);
                var inner = slice.Inner.ToArray();
                Array.Sort(inner, (a, b) => string.CompareOrdinal(a.Key, b.Key));
                foreach (var (ik, iv) in inner) WriteEntry(w, ik, iv);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    static void WriteEntry(Utf8JsonWriter w, string key, object? value)
    {
        w.WritePropertyName(key);
        try { SessionValues.Write(w, value); }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or JsonException)
        {
            throw new InvalidOperationException(
                $"The session value '{key}' ({value?.GetType().Name}) cannot be written as JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// Replaces the session with a document from <see cref="Serialize"/>: primitives come back as string, bool, int (long
    /// when it does not fit, else double), objects and arrays as <see cref="JsonNode"/> until read with
    /// <see cref="SessionExtensions.Get{T}"/>. Throws <see cref="FormatException"/> for anything that is not such a document.
    /// </summary>
    public void Apply(ReadOnlySpan<byte> document)
    {
        JsonObject doc;
        try
        {
            doc = JsonNode.Parse(document) as JsonObject ?? throw new FormatException("the session document is not a JSON object");
        }
        catch (JsonException e) { throw new FormatException("the session document is not JSON: " + e.Message, e); }
        if (doc["v"] is not JsonValue version || !version.TryGetValue<int>(out var v) || v != DocumentVersion)
            throw new FormatException("the session document has an unknown version");
        var session = doc["session"] as JsonObject ?? [];
        var state = doc["state"] as JsonObject ?? [];
        Shared.Clear();
        foreach (var (k, value) in session) Shared.Inner[k] = SessionValues.Restore(value);
        foreach (var (cls, slice) in state)
        {
            if (slice is not JsonObject o) continue;
            var target = Slice(cls);
            foreach (var (k, value) in o) target.Inner[k] = SessionValues.Restore(value);
        }
    }
}

/// <summary>
/// The dictionary behind <see cref="Tag.Session"/> and each <see cref="Tag.State"/>: thread-safe, and it takes only values
/// that can be kept as JSON (<see cref="HTagJson"/>), refusing any other at assignment rather than losing it later.
/// </summary>
sealed class SessionDictionary(string? slice) : IDictionary<string, object?>
{
    internal ConcurrentDictionary<string, object?> Inner { get; } = new(StringComparer.Ordinal);

    object? Check(string key, object? value)
    {
        SessionValues.Check(slice, key, value);
        return value;
    }

    public object? this[string key]
    {
        get => Inner[key];
        set => Inner[key] = Check(key, value);
    }

    public ICollection<string> Keys => Inner.Keys;
    public ICollection<object?> Values => Inner.Values;
    public int Count => Inner.Count;
    public bool IsReadOnly => false;
    public void Add(string key, object? value)
    {
        if (!Inner.TryAdd(key, Check(key, value))) throw new ArgumentException($"The key '{key}' is already in the session.", nameof(key));
    }
    public void Add(KeyValuePair<string, object?> item) => Add(item.Key, item.Value);
    public void Clear() => Inner.Clear();
    public bool Contains(KeyValuePair<string, object?> item) => ((ICollection<KeyValuePair<string, object?>>)Inner).Contains(item);
    public bool ContainsKey(string key) => Inner.ContainsKey(key);
    public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) =>
        ((ICollection<KeyValuePair<string, object?>>)Inner).CopyTo(array, arrayIndex);
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Inner.GetEnumerator();
    public bool Remove(string key) => Inner.TryRemove(key, out _);
    public bool Remove(KeyValuePair<string, object?> item) => Inner.TryRemove(item);
    public bool TryGetValue(string key, out object? value) => Inner.TryGetValue(key, out value);
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

public partial class Tag
{
    /// <summary>
    /// The user's session: a dictionary shared by all of this user's apps, kept across app re-creation and, behind an
    /// HTagKube router, across the loss of the user's process (docs/apps.md, State and session). Like htag's
    /// <c>tag.session</c>. Thread-safe. Values must be JSON-able (<see cref="HTagJson"/>): another is refused with an
    /// <see cref="ArgumentException"/>. Read typed values with <see cref="SessionExtensions.Get{T}"/>.
    /// </summary>
    public IDictionary<string, object?> Session => (Root._runtime?.Session ?? SessionStore.Process).Shared;

    /// <summary>
    /// The slice of the user's session for this tag's own class, like htag's <c>tag.state</c>: every instance of a
    /// component class shares it (in any of the user's apps), other classes have their own, so components never clash on
    /// keys. On the app's root it is the app's slice. Survives instance re-creation and, like <see cref="Session"/>, the
    /// process. Thread-safe; the same value rules as <see cref="Session"/>.
    /// </summary>
    public IDictionary<string, object?> State => (Root._runtime?.Session ?? SessionStore.Process).Slice(GetType());
}
