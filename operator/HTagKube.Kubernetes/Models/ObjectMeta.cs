using System.Text.Json;
using System.Text.Json.Serialization;

namespace HTagKube.Kubernetes.Models;

/// <summary>Every Kubernetes object this client handles: apiVersion, kind, metadata.</summary>
public interface IKubeObject
{
    string? ApiVersion { get; set; }
    string? Kind { get; set; }
    ObjectMeta Metadata { get; set; }
}

/// <summary>metav1.ObjectMeta. Unknown fields (managedFields, …) round-trip through <see cref="Extra"/>.</summary>
public sealed class ObjectMeta
{
    public string? Name { get; set; }
    public string? GenerateName { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public long? Generation { get; set; }
    public DateTimeOffset? CreationTimestamp { get; set; }
    public DateTimeOffset? DeletionTimestamp { get; set; }
    public long? DeletionGracePeriodSeconds { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<string>? Finalizers { get; set; }
    public List<OwnerReference>? OwnerReferences { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class OwnerReference
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
    public string Uid { get; set; } = "";
    public bool? Controller { get; set; }
    public bool? BlockOwnerDeletion { get; set; }
}

public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }
    public string? Continue { get; set; }
}

/// <summary>A list response (PodList, HTagSessionList, …).</summary>
public sealed class KubeList<T>
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<T> Items { get; set; } = [];
}

/// <summary>One line of a watch stream, before the object is typed.</summary>
public sealed class RawWatchEvent
{
    public string Type { get; set; } = "";
    public JsonElement Object { get; set; }
}

public sealed class DeleteOptions
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "DeleteOptions";
    public string? PropagationPolicy { get; set; }
    public long? GracePeriodSeconds { get; set; }
    public Preconditions? Preconditions { get; set; }
}

public sealed class Preconditions
{
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
}
