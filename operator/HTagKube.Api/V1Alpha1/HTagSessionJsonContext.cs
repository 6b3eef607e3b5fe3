using System.Text.Json.Serialization;
using HTagKube.Kubernetes.Client;
using HTagKube.Kubernetes.Models;

namespace HTagKube.Api.V1Alpha1;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(KubeTimeConverter)])]
[JsonSerializable(typeof(HTagSession))]
[JsonSerializable(typeof(KubeList<HTagSession>))]
public sealed partial class HTagSessionJsonContext : JsonSerializerContext;

/// <summary>REST descriptor of htagsessions.htagkube.io/v1alpha1.</summary>
public static class HTagSessions
{
    public static readonly KubeResource<HTagSession> Resource = new()
    {
        Group = HTagSession.Group, Version = HTagSession.Version, Kind = HTagSession.KindName, Plural = HTagSession.Plural,
        Type = HTagSessionJsonContext.Default.HTagSession, ListType = HTagSessionJsonContext.Default.KubeListHTagSession,
    };

    /// <summary>Finalizer that clears the session's route from Redis before the object goes away.</summary>
    public const string RouteFinalizer = "htagkube.io/route";

    /// <summary>Condition type mirrored from the pod's readiness.</summary>
    public const string ReadyCondition = "Ready";
}
