using HTagKube.Contract;
using HTagKube.Router.Proxy;
using HTagKube.Routing;

namespace HTagKube.Router.State;

/// <summary>
/// Who may use a user's state: only the userpod currently routed for that userKey, proven by its token (the one the
/// route table holds for it, which only that userpod and the routers know). A userpod — any code — knows only its
/// own token, so it reaches only its own user's document.
/// </summary>
public sealed class StateAccess(RouteCache routes)
{
    /// <summary>True when <paramref name="token"/> is the token of the userpod routed for <paramref name="userKey"/>.</summary>
    public async ValueTask<bool> AllowsAsync(string userKey, string token, CancellationToken ct)
    {
        if (token.Length == 0) return false;
        if (IsRoutedWith(await routes.GetAsync(userKey, ct), token)) return true;
        // A cached route may predate a new userpod (which has a new token): ask the table itself once.
        routes.Invalidate(userKey);
        return IsRoutedWith(await routes.GetAsync(userKey, ct), token);
    }

    static bool IsRoutedWith(RouteEntry? route, string token) => route is not null && Tokens.AreEqual(token, route.Token);
}
