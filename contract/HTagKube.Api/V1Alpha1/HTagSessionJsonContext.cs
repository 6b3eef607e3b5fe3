using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HTagKube.Api.V1Alpha1;

/// <summary>
/// Source-generated metadata of the spec and status: the CRD schema is generated from it (HTagKube.CrdGen) and the
/// operator deep-copies statuses with it. Objects travel through the client's own serializer (KubernetesJson).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(WholeSecondsTimeConverter)])]
[JsonSerializable(typeof(HTagSessionSpec))]
[JsonSerializable(typeof(HTagSessionStatus))]
public sealed partial class HTagSessionJsonContext : JsonSerializerContext;

/// <summary>metav1.Time: RFC 3339, UTC, whole seconds.</summary>
public sealed class WholeSecondsTimeConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : throw new JsonException("not an RFC 3339 time");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Truncate(value).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    /// <summary>The time as metav1.Time stores it: UTC, whole seconds.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
