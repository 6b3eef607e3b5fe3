namespace HTagKube.Contract;

/// <summary>Cookies the router sets that a userpod keeps away from apps.</summary>
public static class Cookies
{
    /// <summary>The anonymous user's uid cookie (router-issued, sealed): a secret no app may read.</summary>
    public const string Uid = "htagkube_uid";
}
