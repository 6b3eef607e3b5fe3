using System.Text.Json;

namespace HTagKube.Kubernetes.Models;

/// <summary>apiextensions.k8s.io/v1 CRD with an opaque spec: enough to install generated CRDs and wait for Established.</summary>
public sealed class CustomResourceDefinition : IKubeObject
{
    public string? ApiVersion { get; set; } = "apiextensions.k8s.io/v1";
    public string? Kind { get; set; } = "CustomResourceDefinition";
    public ObjectMeta Metadata { get; set; } = new();
    public JsonElement Spec { get; set; }
    public CrdStatus? Status { get; set; }
}

public sealed class CrdStatus
{
    public List<PodCondition>? Conditions { get; set; }
}
