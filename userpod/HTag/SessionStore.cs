using System.Collections.Concurrent;

namespace HTag;

/// <summary>
/// A user's session: one dictionary shared by all of the user's apps, plus one slice per tag class (<see cref="Tag.State"/>).
/// It outlives app instances (re-created on a new query or after Exit). The userpod is one user's
/// process, so the host keeps one store for its lifetime.
/// </summary>
sealed class SessionStore
{
    /// <summary>Used by tags not attached to a hosted app (tests, tools): the process is one user.</summary>
    public static SessionStore Process { get; } = new();

    public ConcurrentDictionary<string, object?> Shared { get; } = new(StringComparer.Ordinal);

    /// <summary>Forgets everything (after a warm-up render, before the real user arrives).</summary>
    public void Clear() => Shared.Clear();

    /// <summary>The State of tag class <paramref name="type"/>: kept in the session under the class's full name, as htag
    /// keeps <c>tag.state</c> in <c>tag.session</c> (so dumping the session shows it, and clearing the session clears it).</summary>
    public ConcurrentDictionary<string, object?> Slice(Type type)
    {
        var key = type.FullName ?? type.Name;
        while (true)
        {
            if (Shared.TryGetValue(key, out var v) && v is ConcurrentDictionary<string, object?> slice) return slice;
            var fresh = new ConcurrentDictionary<string, object?>(StringComparer.Ordinal);
            if (v is null ? Shared.TryAdd(key, fresh) : Shared.TryUpdate(key, fresh, v)) return fresh;
        }
    }
}

public partial class Tag
{
    /// <summary>
    /// The user's session: a dictionary shared by all of this user's apps, kept while the user's process
    /// lives (across app re-creation). Like htag's <c>tag.session</c>. Thread-safe.
    /// </summary>
    public IDictionary<string, object?> Session => (Root._runtime?.Session ?? SessionStore.Process).Shared;

    /// <summary>
    /// The slice of the user's session for this tag's own class, like htag's <c>tag.state</c>: every instance of a
    /// component class shares it (in any of the user's apps), other classes have their own, so components never clash on
    /// keys. On the app's root it is the app's slice. Survives instance re-creation. Thread-safe.
    /// </summary>
    public IDictionary<string, object?> State => (Root._runtime?.Session ?? SessionStore.Process).Slice(GetType());
}
