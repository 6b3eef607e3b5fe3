namespace HTagKube.Contract;

/// <summary>
/// How a userpod keeps its user's session outside itself: through the router, which stores it per userKey (Redis when
/// the router has one, its own memory otherwise) so that it outlives the userpod.
/// <list type="bullet">
/// <item><c>GET {StateUrl}{Path}</c>: 200 with the session document (UTF-8 JSON object), or 204 when none is kept.</item>
/// <item><c>PUT {StateUrl}{Path}</c> with the whole document: 204 stored; 413 over the size limit (nothing stored).</item>
/// <item>Both carry <see cref="Headers.Token"/> and <see cref="Headers.StateKey"/>; the router answers 403 unless the
/// token is the one of the userpod currently routed for that key, so a userpod reaches only its own user's state.</item>
/// </list>
/// </summary>
public static class StateProtocol
{
    /// <summary>The router's state endpoint.</summary>
    public const string Path = "/_htagkube/state";

    /// <summary>Content type of the document both ways.</summary>
    public const string ContentType = "application/json";

    /// <summary>Default size limit of one user's document, in bytes.</summary>
    public const int DefaultMaxBytes = 1024 * 1024;
}
