using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace HTag;

/// <summary>
/// Query string → Init arguments, htagweb's url2ak rules: <c>?a&amp;b</c> are positional, <c>k=v</c> named,
/// all strings (converted to int/long/double/decimal/bool parameters when they parse). An app declares
/// <c>void Init(string name, int count = 1)</c>. The choice, in one place: an overload fits when every parameter
/// gets a value (the positional ones in order, then by name, case-insensitive, else its default) that converts;
/// names no Init parameter has are ignored (they stay in <see cref="Tag.Request"/>'s query, e.g. tracking
/// parameters). Of the fitting overloads, the one taking the most values from the query wins (the most derived
/// class first on a tie). When none fits: if the query meant an overload (positional values while some overload
/// has parameters, or a name some parameter has), it is an <see cref="InitQueryException"/> (the server answers
/// 400 instead of silently building the app with the plain <c>Init()</c>); otherwise the plain <c>Init()</c> runs.
/// Reflection runs once per instance creation, never per interaction.
/// Trimming/NativeAOT: the app type comes annotated with <see cref="AppMembers"/> (from <c>Map&lt;TApp&gt;</c>), so its
/// Init overloads and those of its base classes, with their parameter metadata, are kept.
/// </summary>
static class InitArgs
{
    /// <summary>What an app type keeps under trimming: all members, because Init overloads may be non-public and
    /// declared on a base class (only <c>All</c> flows to <see cref="Type.BaseType"/>). Only the few mapped app types carry it.</summary>
    internal const DynamicallyAccessedMemberTypes AppMembers = DynamicallyAccessedMemberTypes.All;

    public static (List<string> Positional, Dictionary<string, string> Named) Parse(string? query)
    {
        var positional = new List<string>();
        var named = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(query)) return (positional, named);
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq < 0) positional.Add(Unescape(part));
            else named[Unescape(part[..eq])] = Unescape(part[(eq + 1)..]);
        }
        return (positional, named);
    }

    static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    /// <summary>Initialises <paramref name="root"/> (an instance of exactly <paramref name="appType"/>) with the best
    /// Init overload for <paramref name="query"/>.</summary>
    /// <param name="root">The app's root tag.</param>
    /// <param name="appType">Its type.</param>
    /// <param name="query">The query string.</param>
    /// <param name="routeValues">The route template's values: named values like <c>k=v</c>, winning over the query's.</param>
    public static void Run(
        Tag root,
        [DynamicallyAccessedMembers(AppMembers)] Type appType,
        string? query,
        IReadOnlyDictionary<string, string>? routeValues = null)
    {
        if (root.GetType() != appType)
            throw new ArgumentException($"The app root is a {root.GetType().Name}, not a {appType.Name}.", nameof(root));
        var (positional, named) = Parse(query);
        if (routeValues is not null)
            foreach (var (k, v) in routeValues) named[k] = v;
        MethodInfo? best = null;
        object?[]? bestValues = null;
        var bestFromQuery = -1;
        var meant = false;
        var overloads = new List<MethodInfo>();
        for (Type? t = appType; t is not null && t != typeof(Tag); t = t.BaseType)
        {
            const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            foreach (var m in t.GetMethods(Declared))
            {
                if (m.Name != "Init" || m.GetParameters().Length == 0 || m.IsGenericMethodDefinition) continue;
                var ps = m.GetParameters();
                overloads.Add(m);
                meant |= positional.Count > 0 || ps.Any(p => p.Name is not null && named.ContainsKey(p.Name));
                if (!TryBind(ps, positional, named, out var values, out var fromQuery) || fromQuery <= bestFromQuery) continue;
                (best, bestValues, bestFromQuery) = (m, values, fromQuery);
            }
        }
        if (best is null)
        {
            if (meant) throw new InitQueryException($"the query does not fit {string.Join(" or ", overloads.Select(Describe))}");
            root.EnsureInit();
            return;
        }
        root.MarkInitialized();
        try { best.Invoke(root, bestValues); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }

    static string Describe(MethodInfo m) =>
        "Init(" + string.Join(", ", m.GetParameters().Select(p =>
            p.ParameterType.Name + " " + p.Name + (p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : ""))) + ")";

    internal static bool TryBind(
        ParameterInfo[] ps, List<string> positional, Dictionary<string, string> named, out object?[] values, out int fromQuery)
    {
        values = new object?[ps.Length];
        fromQuery = 0;
        if (positional.Count > ps.Length) return false;
        for (var i = 0; i < ps.Length; i++)
        {
            var p = ps[i];
            string? raw = null;
            if (i < positional.Count)
            {
                raw = positional[i];
                if (p.Name is not null && named.ContainsKey(p.Name)) return false; // given twice
            }
            else if (p.Name is not null && named.TryGetValue(p.Name, out var v)) raw = v;
            if (raw is null)
            {
                if (!p.HasDefaultValue) return false;
                values[i] = p.DefaultValue;
                continue;
            }
            if (!TryConvert(raw, p.ParameterType, out values[i])) return false;
            fromQuery++;
        }
        return true;
    }

    static bool TryConvert(string raw, Type type, out object? value)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var inv = CultureInfo.InvariantCulture;
        value = null;
        if (t == typeof(string) || t == typeof(object)) { value = raw; return true; }
        if (t == typeof(int) && int.TryParse(raw, NumberStyles.Integer, inv, out var i)) { value = i; return true; }
        if (t == typeof(long) && long.TryParse(raw, NumberStyles.Integer, inv, out var l)) { value = l; return true; }
        if (t == typeof(double) && double.TryParse(raw, NumberStyles.Float, inv, out var d)) { value = d; return true; }
        if (t == typeof(decimal) && decimal.TryParse(raw, NumberStyles.Number, inv, out var m)) { value = m; return true; }
        if (t == typeof(bool))
        {
            if (raw is "" or "1" || raw.Equals("true", StringComparison.OrdinalIgnoreCase)) { value = true; return true; }
            if (raw is "0" || raw.Equals("false", StringComparison.OrdinalIgnoreCase)) { value = false; return true; }
        }
        return false;
    }
}

/// <summary>The query names or positions Init parameters but fits no Init overload (a value that does not convert,
/// a required one missing, too many positional values): the server answers 400 with this message.</summary>
sealed class InitQueryException(string message) : ArgumentException(message);
