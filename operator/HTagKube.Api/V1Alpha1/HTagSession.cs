using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace HTagKube.Api.V1Alpha1;

/// <summary>One web user's session: the operator turns it into a Secret + a hardened Pod and a route.</summary>
public sealed class HTagSession : IKubernetesObject<V1ObjectMeta>, ISpec<HTagSessionSpec>, IStatus<HTagSessionStatus?>
{
    public const string Group = "htagkube.io";
    public const string Version = "v1alpha1";
    public const string KindName = "HTagSession";
    public const string Plural = "htagsessions";
    public const string ApiVersionName = Group + "/" + Version;

    public string ApiVersion { get; set; } = ApiVersionName;
    public string Kind { get; set; } = KindName;
    public V1ObjectMeta Metadata { get; set; } = new();
    public HTagSessionSpec Spec { get; set; } = new();
    public HTagSessionStatus? Status { get; set; }
}

/// <summary>A page of HTagSessions (list and watch answers).</summary>
public sealed class HTagSessionList : IKubernetesObject<V1ListMeta>, IItems<HTagSession>
{
    public string ApiVersion { get; set; } = HTagSession.ApiVersionName;
    public string Kind { get; set; } = HTagSession.KindName + "List";
    public V1ListMeta Metadata { get; set; } = new();
    public IList<HTagSession> Items { get; set; } = [];
}

[Description("Desired state of a user's session.")]
public sealed class HTagSessionSpec
{
    [Description("hex(SHA-256(uid))[..32]; never the uid itself.")]
    [Required, RegularExpression("^[0-9a-f]{32}$")]
    public string UserKey { get; set; } = "";

    [Description("Userpod image; the operator's default when empty.")]
    public string? Image { get; set; }

    [Description("Route TTL: the session is deleted after this many seconds without user activity.")]
    [Range(10, 604800)]
    public int? IdleTimeoutSeconds { get; set; }

    [Description("Userpod container requests and limits (cpu, memory).")]
    public SessionResources? Resources { get; set; }

    /// <summary>Longest display name kept.</summary>
    public const int DisplayNameMax = 128;

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

public sealed class SessionResources
{
    public Dictionary<string, string>? Requests { get; set; }
    public Dictionary<string, string>? Limits { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<SessionPhase>))]
public enum SessionPhase { Pending, Starting, Ready, Failed, Terminating }

[Description("Observed state, written by the operator.")]
public sealed class HTagSessionStatus
{
    public SessionPhase? Phase { get; set; }

    [Description("First 8 characters of the userKey, for kubectl get.")]
    public string? User { get; set; }

    [Description("The signed-in person's display name (from spec.displayName), for kubectl get.")]
    public string? DisplayName { get; set; }

    public string? PodName { get; set; }
    public string? PodIP { get; set; }
    public int? Port { get; set; }
    public DateTimeOffset? ReadySince { get; set; }

    [Description("Last user activity, synced coarsely from the route table.")]
    public DateTimeOffset? LastActivity { get; set; }

    [Description("Pods recreated or containers restarted for this session.")]
    public int? Restarts { get; set; }

    public string? Message { get; set; }

    [Description("Route-table epoch the route was published in; a different current epoch means Redis lost it.")]
    public string? RouteEpoch { get; set; }

    [Description("Generation of the spec this status describes.")]
    public long? ObservedGeneration { get; set; }

    public List<SessionCondition>? Conditions { get; set; }
}

public sealed class SessionCondition
{
    public string Type { get; set; } = "";

    [Description("True, False or Unknown.")]
    public string Status { get; set; } = "";

    public string? Reason { get; set; }
    public string? Message { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
}
