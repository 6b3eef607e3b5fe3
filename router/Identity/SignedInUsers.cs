using HTagKube.Router.SignIn;

namespace HTagKube.Router.Identity;

/// <summary>
/// Signed-in users (<c>--oidc-*</c>): keyed by issuer + subject; the gate answers everyone else (sign-in, 403). The
/// person travels on as a request feature, for the identity header to the userpod.
/// </summary>
public sealed class SignedInUsers(SignInGate gate) : IUserResolver
{
    /// <inheritdoc />
    public async ValueTask<RouterUser?> ResolveAsync(HttpContext ctx)
    {
        if (await gate.ResolveAsync(ctx) is not { } person) return null;
        ctx.Features.Set(person);
        return new RouterUser(person.UserKey, person.DisplayName);
    }
}
