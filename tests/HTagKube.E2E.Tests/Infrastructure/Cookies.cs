namespace HTagKube.E2E.Tests.Infrastructure;

public static class Cookies
{
    public const string UidName = "htagkube_uid";

    /// <summary>The uid the router set in this response (the part of <c>uid.MAC</c> before the MAC), or null.</summary>
    public static string? Uid(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var values)) return null;
        foreach (var v in values)
        {
            if (!v.StartsWith(UidName + "=", StringComparison.Ordinal)) continue;
            var end = v.IndexOf(';');
            return v[(UidName.Length + 1)..(end < 0 ? v.Length : end)].Split('.')[0];
        }
        return null;
    }
}
