using HTagKube.Router.Hosting;

namespace HTagKube.Router.SignIn;

/// <summary>
/// Who may have a session once signed in: members of an allowed group, an allowed e-mail address or e-mail domain
/// (verified addresses only). No list configured = every signed-in user. The admin group opens the admin listing.
/// </summary>
public sealed class AccessRules(RouterOptions options)
{
    readonly HashSet<string> _groups = new(SignInConfig.List(options.OidcAllowedGroups), StringComparer.Ordinal);
    readonly HashSet<string> _emails = new(SignInConfig.List(options.OidcAllowedEmails), StringComparer.OrdinalIgnoreCase);
    readonly HashSet<string> _domains = new(SignInConfig.List(options.OidcAllowedEmailDomains).Select(d => d.TrimStart('@')),
        StringComparer.OrdinalIgnoreCase);
    readonly string? _admins = string.IsNullOrWhiteSpace(options.OidcAdminGroup) ? null : options.OidcAdminGroup.Trim();

    /// <summary>True when <paramref name="user"/> may have a session.</summary>
    public bool Allows(SignedInUser user)
    {
        if (_groups.Count == 0 && _emails.Count == 0 && _domains.Count == 0) return true;
        if (user.Groups.Any(_groups.Contains)) return true;
        if (!user.EmailVerified || string.IsNullOrEmpty(user.Email)) return false;
        var at = user.Email.LastIndexOf('@');
        return _emails.Contains(user.Email) || (at > 0 && _domains.Contains(user.Email[(at + 1)..]));
    }

    /// <summary>True when <paramref name="user"/> is in the admin group.</summary>
    public bool IsAdmin(SignedInUser? user) => _admins is not null && user is not null && user.Groups.Contains(_admins);
}
