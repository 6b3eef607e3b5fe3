namespace HTag;

/// <summary>
/// Who the user is, as the router verified it (OIDC sign-in): anonymous when nobody signed in, which is every user
/// of a router without sign-in. The router sends it in one header it alone can set (it strips any client-sent
/// <c>X-HTag-*</c> header), so an app can trust it. Available in Init and handlers (<see cref="Tag.User"/>).
/// </summary>
public sealed class User
{
    /// <summary>Builds a user (the server does; tests may too).</summary>
    /// <param name="issuer">The identity provider.</param>
    /// <param name="subject">The stable id at that provider.</param>
    /// <param name="name">Display name.</param>
    /// <param name="email">E-mail address.</param>
    /// <param name="groups">Groups (or roles) the provider gave.</param>
    public User(string? issuer, string? subject, string? name, string? email, IReadOnlyList<string>? groups)
    {
        Issuer = issuer;
        Subject = subject;
        Name = name;
        Email = email;
        Groups = groups ?? [];
    }

    /// <summary>Nobody signed in.</summary>
    public static User Anonymous { get; } = new(null, null, null, null, null);

    /// <summary>True when the router passed a signed-in identity (one with a subject).</summary>
    public bool IsAuthenticated => !string.IsNullOrEmpty(Subject);

    /// <summary>The identity provider (OIDC <c>iss</c>), or null.</summary>
    public string? Issuer { get; }

    /// <summary>The user's stable id at the provider (OIDC <c>sub</c>), or null when anonymous.</summary>
    public string? Subject { get; }

    /// <summary>Display name, or null.</summary>
    public string? Name { get; }

    /// <summary>E-mail address, or null.</summary>
    public string? Email { get; }

    /// <summary>Groups or roles, empty when none.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>True when the user is in group <paramref name="group"/> (ordinal comparison).</summary>
    /// <param name="group">The group name.</param>
    public bool IsInGroup(string group) => Groups.Contains(group, StringComparer.Ordinal);
}
