using HTagKube.Router.Hosting;
using HTagKube.Router.Proxy;
using HTagKube.Router.Sessions;
using Microsoft.AspNetCore.Authentication;

namespace HTagKube.Router.SignIn;

/// <summary>
/// <c>/_htagkube/logout</c>: GET shows a sign-out button; POST (which the Lax login cookie reaches only from this
/// site) clears the router's login cookie and, with <c>--oidc-logout-ends-session</c>, ends the user's userpod and
/// deletes its durable state (through <see cref="SessionService.EndByWillAsync"/>, as the admin endpoint does). The
/// provider's own session is left alone: signing in again may then need no password.
/// </summary>
public sealed class SignOutEndpoint(RouterOptions options, SignInGate gate, SessionService sessions)
{
    /// <summary>The path.</summary>
    public const string Path = "/_htagkube/logout";

    /// <summary>Handles a request to <see cref="Path"/>.</summary>
    public async Task HandleAsync(HttpContext ctx)
    {
        if (!HttpMethods.IsPost(ctx.Request.Method))
        {
            await Pages.WriteSignOutAsync(ctx, done: false);
            return;
        }
        if (OriginCheck.IsForeign(ctx.Request))
        {
            // A cross-site form POST (logout CSRF): the login stays.
            await Pages.WriteClientErrorAsync(ctx, StatusCodes.Status403Forbidden, "Refused: this sign-out comes from another site.");
            return;
        }
        var user = await gate.PeekAsync(ctx);
        await ctx.SignOutAsync();
        if (user is not null && options.OidcLogoutEndsSession) await sessions.EndByWillAsync(user.UserKey, ctx.RequestAborted);
        await Pages.WriteSignOutAsync(ctx, done: true);
    }
}
