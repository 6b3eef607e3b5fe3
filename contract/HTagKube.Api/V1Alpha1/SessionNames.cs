using HTagKube.Routing.Identity;

namespace HTagKube.Api.V1Alpha1;

/// <summary>Names and labels derived from a userKey (never from the uid).</summary>
public static class SessionNames
{
    /// <summary>Label carrying the full userKey on sessions, pods and secrets.</summary>
    public const string UserLabel = "htagkube.io/user";

    /// <summary>Label carrying the owning session's name on pods and secrets.</summary>
    public const string SessionLabel = "htagkube.io/session";

    /// <summary><c>hs-</c> + the first 20 hex chars of the userKey: a valid DNS-1123 name.</summary>
    public static string ForUserKey(string userKey)
    {
        if (!UserKey.IsWellFormed(userKey))
            throw new ArgumentException("not a userKey (32 lowercase hex chars)", nameof(userKey));
        return "hs-" + userKey[..20];
    }
}
