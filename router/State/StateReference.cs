namespace HTagKube.Router.State;

/// <summary>
/// What a request forwarded to a userpod tells it about its user's durable state (request feature, set by the proxy,
/// read by <c>Forwarding/UserpodTransformer</c>): the userKey naming the document and where the router's state
/// endpoint is (null while unknown: the header is then left out).
/// </summary>
public sealed record StateReference(string UserKey, string? Url);
