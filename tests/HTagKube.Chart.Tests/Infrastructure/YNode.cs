using YamlDotNet.Serialization;

namespace HTagKube.Chart.Tests.Infrastructure;

/// <summary>
/// Read-only view of a parsed YAML value (map, list or scalar) with path navigation; a missing key gives an
/// empty node rather than an exception, so assertions read like the manifest.
/// </summary>
public sealed class YNode(object? value)
{
    public static readonly YNode Missing = new(null);
    public object? Value { get; } = value;

    public bool Exists => Value is not null;

    public YNode this[string key] =>
        Value is IDictionary<object, object> m && m.TryGetValue(key, out var v) ? new YNode(v) : Missing;

    public YNode this[int index] => Value is IList<object> l && index < l.Count ? new YNode(l[index]) : Missing;

    /// <summary>Follows a dotted path ("spec.template.spec").</summary>
    public YNode At(string path) => path.Split('.').Aggregate(this, (n, k) => n[k]);

    public string? S => Value as string;

    public IReadOnlyList<YNode> List => Value is IList<object> l ? [.. l.Select(x => new YNode(x))] : [];

    public IReadOnlyList<string> Strings => [.. List.Select(x => x.S ?? "")];

    public IReadOnlyDictionary<string, YNode> Map =>
        Value is IDictionary<object, object> m ? m.ToDictionary(kv => (string)kv.Key, kv => new YNode(kv.Value)) : new Dictionary<string, YNode>();

    public IReadOnlyDictionary<string, string> StringMap => Map.ToDictionary(kv => kv.Key, kv => kv.Value.S ?? "");

    public string Kind => this["kind"].S ?? "";
    public string Name => At("metadata.name").S ?? "";

    public override string ToString() => new SerializerBuilder().Build().Serialize(Value);
}
