using HTagKube.Routing.Identity;

namespace HTagKube.Api.V1Alpha1;

/// <summary>The session name derived from a userKey (never from the uid); label names: <c>HTagKube.Contract.KubernetesNames</c>.</summary>
public static class SessionNames
{
    /// <summary><c>hs-</c> + the first 20 hex chars of the userKey: a valid DNS-1123 name.</summary>
    public static string ForUserKey(string userKey)
    {
        if (!UserKey.IsWellFormed(userKey))
            throw new ArgumentException("not a userKey (32 lowercase hex chars)", nameof(userKey));
        return "hs-" + userKey[..20];
    }
}
