using System.Text.Json;
using System.Text.Json.Serialization;

namespace HTag;

/// <summary>Browser → server: one interaction (see docs/protocol.md).</summary>
sealed class ClientMessage
{
    /// <summary>Target tag id.</summary>
    public string? Id { get; set; }
    /// <summary>DOM event type.</summary>
    public string? Ev { get; set; }
    /// <summary>Primitive event fields, element value/checked, form fields.</summary>
    public Dictionary<string, JsonElement>? Data { get; set; }
    /// <summary>Values of the browser-evaluated argument paths.</summary>
    public List<JsonElement>? Args { get; set; }
    /// <summary>Sequence number (parano mode).</summary>
    public long Seq { get; set; }
    /// <summary>Encrypted inner message (parano mode).</summary>
    public string? P { get; set; }
    /// <summary>Resync request after a reconnect: the instance id the page was rendered from.</summary>
    public string? Hello { get; set; }
    /// <summary>The interaction's number within its page (1, 2, …): a resend after a reconnect carries the same one, so it
    /// runs once.</summary>
    public long? N { get; set; }
}

/// <summary>Server → browser: changed elements and scripts to run.</summary>
sealed class ServerMessage
{
    /// <summary>tag id → new outerHTML.</summary>
    public Dictionary<string, string>? Update { get; set; }
    /// <summary>Scripts to run after the update.</summary>
    public List<string>? Js { get; set; }
    /// <summary>New page title.</summary>
    public string? Title { get; set; }
    /// <summary>Error message for the console.</summary>
    public string? Err { get; set; }
    /// <summary>The instance is gone: reload the page.</summary>
    public bool? Reload { get; set; }
    /// <summary>Sequence number (parano mode).</summary>
    public long? Seq { get; set; }
    /// <summary>Encrypted inner message (parano mode).</summary>
    public string? P { get; set; }
    /// <summary>The page now shows this instance (resync after the old one was lost); comes with <see cref="Root"/>.</summary>
    public string? Instance { get; set; }
    /// <summary>The whole app's HTML, replacing the page's app element (with <see cref="Instance"/>).</summary>
    public string? Root { get; set; }
    /// <summary>Parano handshake: the connection id that binds the following messages.</summary>
    public string? Conn { get; set; }
    /// <summary>The result of an exposed method (<c>htag.call</c>).</summary>
    public System.Text.Json.Nodes.JsonNode? Result { get; set; }
    /// <summary>The page's interactions up to this number were received (run, or skipped as a resend): it stops keeping them.</summary>
    public long? Ack { get; set; }
    /// <summary>Not sent: what the request named (an exposed method, an upload field) is not there when its turn came
    /// (an HTTP 404).</summary>
    internal bool NotFound { get; set; }

    internal bool IsEmpty =>
        Update is null or { Count: 0 } && Js is null or { Count: 0 } && Title is null && Err is null && Reload is null && Root is null;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClientMessage))]
[JsonSerializable(typeof(ServerMessage))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(JsonElement[]))]
sealed partial class WireJson : JsonSerializerContext;
