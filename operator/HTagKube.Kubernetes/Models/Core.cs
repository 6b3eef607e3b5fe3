using System.Text.Json;
using System.Text.Json.Serialization;

namespace HTagKube.Kubernetes.Models;

// Subsets of core/v1 and coordination.k8s.io/v1: only the fields this project reads or writes.
// Extension data keeps the rest when an object is read and written back.

public sealed class Namespace : IKubeObject
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Namespace";
    public ObjectMeta Metadata { get; set; } = new();
    public NamespaceStatus? Status { get; set; }
}

public sealed class NamespaceStatus
{
    public string? Phase { get; set; }
}

public sealed class ConfigMap : IKubeObject
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "ConfigMap";
    public ObjectMeta Metadata { get; set; } = new();
    public Dictionary<string, string>? Data { get; set; }
}

public sealed class Secret : IKubeObject
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Secret";
    public ObjectMeta Metadata { get; set; } = new();
    public string? Type { get; set; }
    /// <summary>Values are base64 on the wire; byte[] is serialized as base64 by System.Text.Json.</summary>
    public Dictionary<string, byte[]>? Data { get; set; }
    public bool? Immutable { get; set; }
}

public sealed class Lease : IKubeObject
{
    public string? ApiVersion { get; set; } = "coordination.k8s.io/v1";
    public string? Kind { get; set; } = "Lease";
    public ObjectMeta Metadata { get; set; } = new();
    public LeaseSpec Spec { get; set; } = new();
}

public sealed class LeaseSpec
{
    public string? HolderIdentity { get; set; }
    public int? LeaseDurationSeconds { get; set; }
    /// <summary>MicroTime: RFC 3339 with exactly 6 fractional digits (see <see cref="KubeTime.Micro"/>).</summary>
    public string? AcquireTime { get; set; }
    public string? RenewTime { get; set; }
    public int? LeaseTransitions { get; set; }
}

/// <summary>Kubernetes IntOrString (probe ports, …).</summary>
[JsonConverter(typeof(IntOrStringConverter))]
public readonly record struct IntOrString(int? Int, string? String)
{
    public static implicit operator IntOrString(int v) => new(v, null);
    public static implicit operator IntOrString(string v) => new(null, v);
    public override string ToString() => Int?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? String ?? "";
}

public sealed class IntOrStringConverter : JsonConverter<IntOrString>
{
    public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? new IntOrString(reader.GetInt32(), null) : new IntOrString(null, reader.GetString());

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        if (value.Int is int i) writer.WriteNumberValue(i);
        else writer.WriteStringValue(value.String);
    }
}

/// <summary>metav1.Time is RFC 3339 in whole seconds; MicroTime has 6 fractional digits.</summary>
public static class KubeTime
{
    public static string Seconds(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
    public static string Micro(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
    public static DateTimeOffset? Parse(string? s) =>
        DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}

/// <summary>Writes DateTimeOffset as metav1.Time (whole seconds, UTC, 'Z').</summary>
public sealed class KubeTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        KubeTime.Parse(reader.GetString()) ?? throw new JsonException("not an RFC 3339 time");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(KubeTime.Seconds(value));
}
