using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;

namespace HTagKube.CrdGen;

/// <summary>
/// JSON Schema (System.Text.Json's exporter) → a Kubernetes structural OpenAPI v3 schema: one "type" per
/// node, no null types, descriptions and validation from attributes, metav1.Time as date-time.
/// </summary>
public static class SchemaBuilder
{
    /// <summary>The structural schema of <paramref name="type"/>.</summary>
    public static JsonObject For(JsonTypeInfo type)
    {
        var options = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = Transform,
        };
        var node = (JsonObject)type.Options.GetJsonSchemaAsNode(type.Type, options);
        Clean(node);
        return node;
    }

    static JsonNode Transform(JsonSchemaExporterContext ctx, JsonNode schema)
    {
        var type = Nullable.GetUnderlyingType(ctx.TypeInfo.Type) ?? ctx.TypeInfo.Type;
        if (type == typeof(DateTimeOffset)) schema = new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        if (schema is not JsonObject obj) return schema;

        var attrs = ctx.PropertyInfo?.AttributeProvider;
        var description = (attrs as MemberInfo)?.GetCustomAttribute<DescriptionAttribute>()?.Description
            ?? (ctx.PropertyInfo is null ? type.GetCustomAttribute<DescriptionAttribute>()?.Description : null);
        if (description is not null) obj["description"] = description;
        if ((attrs as MemberInfo)?.GetCustomAttribute<RegularExpressionAttribute>() is { } re) obj["pattern"] = re.Pattern;
        if ((attrs as MemberInfo)?.GetCustomAttribute<MaxLengthAttribute>() is { } max) obj["maxLength"] = (long)max.Length;
        if ((attrs as MemberInfo)?.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            obj["minimum"] = Convert.ToInt64(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
            obj["maximum"] = Convert.ToInt64(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
        }
        if (type == typeof(int)) obj["format"] = "int32";
        if (type == typeof(long)) obj["format"] = "int64";

        if (ctx.PropertyInfo is null && ctx.TypeInfo.Kind == JsonTypeInfoKind.Object)
        {
            var required = ctx.TypeInfo.Properties
                .Where(p => (p.AttributeProvider as MemberInfo)?.GetCustomAttribute<RequiredAttribute>() is not null)
                .Select(p => (JsonNode)JsonValue.Create(p.Name)!).ToArray();
            if (required.Length > 0) obj["required"] = new JsonArray(required);
        }
        return obj;
    }

    /// <summary>Structural-schema fixes the exporter does not know about.</summary>
    static void Clean(JsonNode? node)
    {
        if (node is JsonArray arr) { foreach (var item in arr) Clean(item); return; }
        if (node is not JsonObject obj) return;
        obj.Remove("$schema");
        if (obj["type"] is JsonArray types)
        {
            var nonNull = types.Select(t => t!.GetValue<string>()).Where(t => t != "null").ToList();
            obj["type"] = nonNull.Count == 1 ? nonNull[0] : throw new InvalidOperationException($"ambiguous type {types.ToJsonString()}");
        }
        if (obj["enum"] is JsonArray values)
        {
            var kept = values.Where(v => v is not null).Select(v => v!.DeepClone()).ToArray();
            obj["enum"] = new JsonArray(kept);
            obj["type"] ??= "string";
        }
        if (obj.ContainsKey("$ref") || obj.ContainsKey("anyOf") || obj.ContainsKey("oneOf"))
            throw new InvalidOperationException($"not a structural schema: {obj.ToJsonString()}");
        foreach (var (_, child) in obj.ToList()) Clean(child);
    }
}
