using System.Net.WebSockets;
using HTagKube.Router.Hosting;
using HTagKube.Router.Proxy;
using Microsoft.AspNetCore.Authentication;

namespace HTagKube.Router.SignIn;

/// <summary>
/// With sign-in on, the step before any session: the login cookie → the signed-in user, or an answer that ends the
/// request without a session. Not signed in (none, expired, tampered): a page navigation goes to the provider; a
/// WebSocket (htag.js reconnecting after its login expired) is told <c>{"reload":true}</c>, so the page reloads and
/// signs in again; anything else gets 401. Signed in but outside the allow-lists: 403, and no userpod is started.
/// </summary>
public sealed class SignInGate(RouterOptions options, AccessRules access, ILogger<SignInGate> log)
{
    static readonly byte[] Reload = "{\"reload\":true}"u8.ToArray();

    /// <summary>The user of this request, or null when the gate has answered it.</summary>
    public async Task<SignedInUser?> ResolveAsync(HttpContext ctx)
    {
        var auth = await ctx.AuthenticateAsync();
        var user = auth.Succeeded ? SignedInUser.From(auth.Principal, options.OidcGroupsClaim, auth.Properties?.ExpiresUtc) : null;
        if (user is null)
        {
            await SendToSignInAsync(ctx);
            return null;
        }
        if (!access.Allows(user))
        {
            log.LogWarning("signed-in user {UserKey} is outside the allow-lists; refused", user.UserKey);
            await Pages.WriteForbiddenAsync(ctx);
            return null;
        }
        return user;
    }

    /// <summary>The signed-in user of this request, if any (no answer written).</summary>
    public async Task<SignedInUser?> PeekAsync(HttpContext ctx)
    {
        var auth = await ctx.AuthenticateAsync();
        return auth.Succeeded ? SignedInUser.From(auth.Principal, options.OidcGroupsClaim, auth.Properties?.ExpiresUtc) : null;
    }

    /// <summary>True when <paramref name="user"/> may use the admin listing.</summary>
    public bool IsAdmin(SignedInUser? user) => access.IsAdmin(user);

    static async Task SendToSignInAsync(HttpContext ctx)
    {
        if (ctx.WebSockets.IsWebSocketRequest)
        {
            using var ws = await ctx.WebSockets.AcceptWebSocketAsync();
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
            cts.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                await ws.SendAsync(Reload, WebSocketMessageType.Text, true, cts.Token);
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "sign in again", cts.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { /* the page is gone anyway */ }
            return;
        }
        if (Pages.IsNavigation(ctx))
        {
            await SignInSetup.ChallengeAsync(ctx, ctx.Request.PathBase + ctx.Request.Path + ctx.Request.QueryString);
            return;
        }
        await Pages.WriteClientErrorAsync(ctx, StatusCodes.Status401Unauthorized, "Sign in again: reload the page.");
    }
}
