namespace HTagKube.E2E.Tests.Infrastructure;

public static class Cookies
{
    public const string UidName = "htagkube_uid";

    /// <summary>A uid cookie value as the router issues it: the uid sealed with data protection (base64url).</summary>
    public const string SealedShape = "^[A-Za-z0-9_-]{64,}$";

    /// <summary>The uid cookie the router set in this response (the sealed uid: opaque to a client), or null.</summary>
    public static string? UidValue(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var values)) return null;
        foreach (var v in values)
        {
            if (!v.StartsWith(UidName + "=", StringComparison.Ordinal)) continue;
            var end = v.IndexOf(';');
            return v[(UidName.Length + 1)..(end < 0 ? v.Length : end)];
        }
        return null;
    }
}
