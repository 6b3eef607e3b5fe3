namespace HTagKube.Router.Identity;

/// <summary>Whom a request is for, as the router's session rules need it.</summary>
/// <param name="UserKey">The route key (never the uid or the subject).</param>
/// <param name="DisplayName">A signed-in person's name for kubectl and listings; null for anonymous users.</param>
public sealed record RouterUser(string UserKey, string? DisplayName);

/// <summary>
/// Finds the user of a request, the one step that differs between anonymous users and sign-in, chosen once at start:
/// <see cref="AnonymousUsers"/> (the uid cookie) or <see cref="SignedInUsers"/> (<c>--oidc-*</c>).
/// </summary>
public interface IUserResolver
{
    /// <summary>The request's user, or null when the resolver has answered the request itself (sign-in, 403, 503).</summary>
    ValueTask<RouterUser?> ResolveAsync(HttpContext ctx);
}
