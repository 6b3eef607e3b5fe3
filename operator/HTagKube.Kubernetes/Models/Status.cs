using System.Text.Json.Serialization;

namespace HTagKube.Kubernetes.Models;

/// <summary>metav1.Status: the body of every API error (and of watch ERROR events).</summary>
public sealed class Status
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    /// <summary>"Success" or "Failure" (the JSON field is <c>status</c>).</summary>
    [JsonPropertyName("status")]
    public string? Outcome { get; set; }
    public string? Message { get; set; }
    public string? Reason { get; set; }
    public int? Code { get; set; }
    public StatusDetails? Details { get; set; }
}

public sealed class StatusDetails
{
    public string? Name { get; set; }
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public List<StatusCause>? Causes { get; set; }
}

public sealed class StatusCause
{
    public string? Reason { get; set; }
    public string? Message { get; set; }
    public string? Field { get; set; }
}
