using System.Text.Json.Serialization.Metadata;
using HTagKube.Kubernetes.Models;

namespace HTagKube.Kubernetes.Client;

/// <summary>How to reach one kind over REST and how to (de)serialize it, without reflection.</summary>
public sealed class KubeResource<T> where T : class, IKubeObject
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public required string Plural { get; init; }
    public bool Namespaced { get; init; } = true;
    public required JsonTypeInfo<T> Type { get; init; }
    public required JsonTypeInfo<KubeList<T>> ListType { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Path of the collection, e.g. /apis/coordination.k8s.io/v1/namespaces/ns/leases.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        if (!Namespaced || ns is null) return $"{root}/{Plural}";
        return $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}";
    }

    public string ItemPath(string? ns, string name) => $"{CollectionPath(Namespaced ? ns ?? throw new ArgumentNullException(nameof(ns)) : null)}/{Uri.EscapeDataString(name)}";
}

/// <summary>The built-in kinds this project uses.</summary>
public static class KubeResources
{
    public static readonly KubeResource<Pod> Pods = new()
    {
        Group = "", Version = "v1", Kind = "Pod", Plural = "pods",
        Type = KubeJsonContext.Default.Pod, ListType = KubeJsonContext.Default.KubeListPod,
    };

    public static readonly KubeResource<Secret> Secrets = new()
    {
        Group = "", Version = "v1", Kind = "Secret", Plural = "secrets",
        Type = KubeJsonContext.Default.Secret, ListType = KubeJsonContext.Default.KubeListSecret,
    };

    public static readonly KubeResource<ConfigMap> ConfigMaps = new()
    {
        Group = "", Version = "v1", Kind = "ConfigMap", Plural = "configmaps",
        Type = KubeJsonContext.Default.ConfigMap, ListType = KubeJsonContext.Default.KubeListConfigMap,
    };

    public static readonly KubeResource<Namespace> Namespaces = new()
    {
        Group = "", Version = "v1", Kind = "Namespace", Plural = "namespaces", Namespaced = false,
        Type = KubeJsonContext.Default.Namespace, ListType = KubeJsonContext.Default.KubeListNamespace,
    };

    public static readonly KubeResource<Lease> Leases = new()
    {
        Group = "coordination.k8s.io", Version = "v1", Kind = "Lease", Plural = "leases",
        Type = KubeJsonContext.Default.Lease, ListType = KubeJsonContext.Default.KubeListLease,
    };

    public static readonly KubeResource<CustomResourceDefinition> CustomResourceDefinitions = new()
    {
        Group = "apiextensions.k8s.io", Version = "v1", Kind = "CustomResourceDefinition", Plural = "customresourcedefinitions", Namespaced = false,
        Type = KubeJsonContext.Default.CustomResourceDefinition, ListType = KubeJsonContext.Default.KubeListCustomResourceDefinition,
    };
}
