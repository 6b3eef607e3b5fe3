using HTagKube.Contract;

namespace HTagKube.Router.Proxy;

/// <summary>
/// <see cref="OriginRule"/> at the router, for htag's session endpoints (<c>/_htag/ws</c>, <c>/_htag/post</c>,
/// <c>/_htag/call</c>, <c>/_htag/upload</c>) and the router's logout POST. The userpod applies the same rule again.
/// </summary>
public static class OriginCheck
{
    /// <summary>True for htag's session endpoints (and anything below them).</summary>
    public static bool IsSessionPath(PathString path)
    {
        foreach (var p in OriginRule.SessionPaths)
            if (path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>True when a browser sent <paramref name="request"/> from a page of another origin.</summary>
    public static bool IsForeign(HttpRequest request) =>
        OriginRule.IsForeign(request.Headers["Sec-Fetch-Site"].ToString(), request.Headers.Origin,
            request.Host.HasValue ? request.Host.Value : null);
}
