using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace HTagKube.Api.V1Alpha1;

/// <summary>One web user's session: the operator turns it into a Secret + a hardened Pod and a route.</summary>
public sealed class HTagSession : IKubernetesObject<V1ObjectMeta>, ISpec<HTagSessionSpec>, IStatus<HTagSessionStatus?>
{
    /// <summary>The API group.</summary>
    public const string Group = "htagkube.io";

    /// <summary>The API version within the group.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The kind.</summary>
    public const string KindName = "HTagSession";

    /// <summary>The resource (plural) name.</summary>
    public const string Plural = "htagsessions";

    /// <summary><c>group/version</c>, as apiVersion and owner references name it.</summary>
    public const string ApiVersionName = Group + "/" + Version;


    /// <summary>apiVersion.</summary>
    public string ApiVersion { get; set; } = ApiVersionName;
    /// <summary>kind.</summary>
    public string Kind { get; set; } = KindName;
    /// <summary>metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();
    /// <summary>What the router asked for.</summary>
    public HTagSessionSpec Spec { get; set; } = new();
    /// <summary>What the operator observed.</summary>
    public HTagSessionStatus? Status { get; set; }
}

/// <summary>A page of HTagSessions (list and watch answers).</summary>
public sealed class HTagSessionList : IKubernetesObject<V1ListMeta>, IItems<HTagSession>
{
    /// <summary>apiVersion.</summary>
    public string ApiVersion { get; set; } = HTagSession.ApiVersionName;
    /// <summary>kind.</summary>
    public string Kind { get; set; } = HTagSession.KindName + "List";
    /// <summary>List metadata (resourceVersion, continue token).</summary>
    public V1ListMeta Metadata { get; set; } = new();
    /// <summary>The sessions of this page.</summary>
    public IList<HTagSession> Items { get; set; } = [];
}

/// <summary>Desired state of a user's session.</summary>
[Description("Desired state of a user's session.")]
public sealed class HTagSessionSpec
{
    /// <summary>hex(SHA-256(uid))[..32]; never the uid itself.</summary>
    [Description("hex(SHA-256(uid))[..32]; never the uid itself.")]
    [Required, RegularExpression("^[0-9a-f]{32}$")]
    public string UserKey { get; set; } = "";

    /// <summary>Userpod image; the operator's default when empty.</summary>
    [Description("Userpod image; the operator's default when empty.")]
    public string? Image { get; set; }

    /// <summary>Route TTL: the session is deleted after this many seconds without user activity.</summary>
    [Description("Route TTL: the session is deleted after this many seconds without user activity.")]
    [Range(10, 604800)]
    public int? IdleTimeoutSeconds { get; set; }

    /// <summary>Userpod container requests and limits; the operator's defaults when empty.</summary>
    [Description("Userpod container requests and limits (cpu, memory).")]
    public SessionResources? Resources { get; set; }

    /// <summary>Longest display name kept.</summary>
    public const int DisplayNameMax = 128;

    /// <summary>The signed-in person's display name (never the subject); null for anonymous users.</summary>
    [Description("The signed-in person's display name, set by the router (never the subject); absent for anonymous users.")]
    [MaxLength(DisplayNameMax)]
    public string? DisplayName { get; set; }

    /// <summary>A display name as the spec keeps it: trimmed, control characters dropped, at most <see cref="DisplayNameMax"/>.</summary>
    public static string? FitDisplayName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var clean = new string([.. name.Where(c => !char.IsControl(c))]).Trim();
        return clean.Length == 0 ? null : clean.Length <= DisplayNameMax ? clean : clean[..DisplayNameMax];
    }
}

/// <summary>Userpod container requests and limits (cpu, memory), as Kubernetes quantities.</summary>
public sealed class SessionResources
{
    /// <summary>Requested resources, e.g. <c>cpu: 10m</c>.</summary>
    public Dictionary<string, string>? Requests { get; set; }
    /// <summary>Resource limits, e.g. <c>memory: 256Mi</c>.</summary>
    public Dictionary<string, string>? Limits { get; set; }
}

/// <summary>Where a session is (its pod's state, then Terminating once deleted).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SessionPhase>))]
public enum SessionPhase
{
    /// <summary>The pod is created, not running yet.</summary>
    Pending,

    /// <summary>The pod runs, not Ready yet (or its predecessor is terminating).</summary>
    Starting,

    /// <summary>The pod serves and the route is published.</summary>
    Ready,

    /// <summary>The pod failed; a new one follows after a backoff.</summary>
    Failed,

    /// <summary>The session is being deleted.</summary>
    Terminating,
}

/// <summary>Observed state, written by the operator.</summary>
[Description("Observed state, written by the operator.")]
public sealed class HTagSessionStatus
{
    /// <summary>The session's phase.</summary>
    public SessionPhase? Phase { get; set; }

    /// <summary>First 8 characters of the userKey, for kubectl get.</summary>
    [Description("First 8 characters of the userKey, for kubectl get.")]
    public string? User { get; set; }

    /// <summary>The signed-in person's display name (never the subject); null for anonymous users.</summary>
    [Description("The signed-in person's display name (from spec.displayName), for kubectl get.")]
    public string? DisplayName { get; set; }

    /// <summary>The pod serving the session (its own, or a claimed warm pod).</summary>
    public string? PodName { get; set; }
    /// <summary>The pod's IP.</summary>
    public string? PodIP { get; set; }

    /// <summary>The userpod image the serving pod runs.</summary>
    [Description("The userpod image the serving pod runs (after an upgrade, until the session moves: the old one).")]
    public string? Image { get; set; }
    /// <summary>The userpod's port in the pod.</summary>
    public int? Port { get; set; }
    /// <summary>When the current pod's route was first published.</summary>
    public DateTimeOffset? ReadySince { get; set; }

    /// <summary>Last user activity, synced coarsely from the route table.</summary>
    [Description("Last user activity, synced coarsely from the route table.")]
    public DateTimeOffset? LastActivity { get; set; }

    /// <summary>Pods recreated or containers restarted for this session.</summary>
    [Description("Pods recreated or containers restarted for this session.")]
    public int? Restarts { get; set; }

    /// <summary>Why the session is not Ready, for people.</summary>
    public string? Message { get; set; }

    /// <summary>Route-table epoch the route was published in.</summary>
    [Description("Route-table epoch the route was published in; a different current epoch means Redis lost it.")]
    public string? RouteEpoch { get; set; }

    /// <summary>Generation of the spec this status describes.</summary>
    [Description("Generation of the spec this status describes.")]
    public long? ObservedGeneration { get; set; }

    /// <summary>The Ready condition.</summary>
    public List<SessionCondition>? Conditions { get; set; }
}

/// <summary>A status condition (Kubernetes conventions).</summary>
public sealed class SessionCondition
{
    /// <summary>The condition's type, e.g. Ready.</summary>
    public string Type { get; set; } = "";

    /// <summary>True, False or Unknown.</summary>
    [Description("True, False or Unknown.")]
    public string Status { get; set; } = "";

    /// <summary>A one-word reason (the phase).</summary>
    public string? Reason { get; set; }
    /// <summary>A human-readable explanation.</summary>
    public string? Message { get; set; }
    /// <summary>When the status last changed.</summary>
    public DateTimeOffset? LastTransitionTime { get; set; }
}
