using HTagKube.Router.Proxy;
using HTagKube.Routing;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Identity;

/// <summary>Anonymous users (the default): each browser is a user, known by its sealed uid cookie.</summary>
public sealed class AnonymousUsers(UidSeal seal, ILogger<AnonymousUsers> log) : IUserResolver
{
    /// <inheritdoc />
    public async ValueTask<RouterUser?> ResolveAsync(HttpContext ctx)
    {
        try
        {
            return new RouterUser(UserKey.FromUid(UidCookie.GetOrIssue(ctx, seal)), null);
        }
        catch (Exception e) when (e is not (OperationCanceledException or RouteTableUnavailableException))
        {
            // The key ring could not be read (Redis unreachable at start): nobody can be told apart now.
            log.LogWarning("uid cookie key ring unavailable: {Error}", e.Message);
            await Pages.WriteUnavailableAsync(ctx, "Sessions are briefly unavailable; retry shortly.");
            return null;
        }
    }
}
