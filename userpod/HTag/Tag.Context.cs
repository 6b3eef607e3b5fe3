using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HTag;

public partial class Tag
{
    /// <summary>The request that built this app instance (path, full query, headers, cookies, client address).</summary>
    public Request Request => Root._runtime?.Request ?? Request.Empty;

    /// <summary>The signed-in user the router vouches for (as of the instance's latest page load), or
    /// <see cref="User.Anonymous"/>.</summary>
    public User User => Root._runtime?.User ?? User.Anonymous;

    /// <summary>
    /// The app's logger (category <c>app/path</c>): information and above go to the userpod's output, which the
    /// router logs under the user's key (never the uid). A tag outside a hosted app logs nowhere.
    /// </summary>
    public ILogger Log => Root._runtime?.Logger ?? NullLogger.Instance;
}
