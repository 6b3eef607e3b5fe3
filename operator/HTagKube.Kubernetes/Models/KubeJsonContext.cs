using System.Text.Json.Serialization;

namespace HTagKube.Kubernetes.Models;

/// <summary>Source-generated serialization of the built-in kinds (camelCase, nulls omitted, metav1.Time).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(KubeTimeConverter)])]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(KubeList<Pod>))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(KubeList<Secret>))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(KubeList<ConfigMap>))]
[JsonSerializable(typeof(Namespace))]
[JsonSerializable(typeof(KubeList<Namespace>))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(KubeList<Lease>))]
[JsonSerializable(typeof(CustomResourceDefinition))]
[JsonSerializable(typeof(KubeList<CustomResourceDefinition>))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(RawWatchEvent))]
[JsonSerializable(typeof(DeleteOptions))]
public sealed partial class KubeJsonContext : JsonSerializerContext;
