using HTagKube.Router.Hosting;
using HTagKube.Router.Provisioning;
using HTagKube.Router.Proxy;
using Microsoft.AspNetCore.Authentication;

namespace HTagKube.Router.SignIn;

/// <summary>
/// <c>/_htagkube/logout</c>: GET shows a sign-out button; POST (which the Lax login cookie reaches only from this
/// site) clears the router's login cookie and, with <c>--oidc-logout-ends-session</c>, ends the user's userpod.
/// The provider's own session is left alone: signing in again may then need no password.
/// </summary>
public static class SignOutEndpoint
{
    /// <summary>The path.</summary>
    public const string Path = "/_htagkube/logout";

    /// <summary>Handles a request to <see cref="Path"/>.</summary>
    public static async Task HandleAsync(HttpContext ctx, RouterOptions options, SignInGate gate, ISessionProvisioner provisioner,
        ActivityTracker activity, RouteCache routes)
    {
        if (!HttpMethods.IsPost(ctx.Request.Method))
        {
            await Pages.WriteSignOutAsync(ctx, done: false);
            return;
        }
        var user = await gate.PeekAsync(ctx);
        await ctx.SignOutAsync();
        if (user is not null && options.OidcLogoutEndsSession)
        {
            await provisioner.EndSessionAsync(user.UserKey, ctx.RequestAborted);
            activity.Forget(user.UserKey);
            routes.Invalidate(user.UserKey);
        }
        await Pages.WriteSignOutAsync(ctx, done: true);
    }
}
