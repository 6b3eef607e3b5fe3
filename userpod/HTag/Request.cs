namespace HTag;

/// <summary>
/// The HTTP request that built the app instance (the page load), read-only: what an app may want from it beyond
/// its Init arguments. The router's and the framework's own headers (<c>X-HTag-*</c>) and the uid cookie are not
/// in it. Available in Init and in handlers (<see cref="Tag.Request"/>); tags outside a hosted app see
/// <see cref="Empty"/>.
/// </summary>
public sealed class Request
{
    static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoQuery = new Dictionary<string, IReadOnlyList<string>>();
    static readonly IReadOnlyDictionary<string, string> NoStrings = new Dictionary<string, string>();

    /// <summary>Builds a request (the server does; tests may too).</summary>
    /// <param name="path">The path, e.g. <c>/hello</c>.</param>
    /// <param name="queryString">The raw query with its <c>?</c>, or empty.</param>
    /// <param name="query">Query values by name (case-insensitive); a bare <c>?word</c> is a name with the value "".</param>
    /// <param name="headers">Headers by name (case-insensitive), repeated ones joined with ", ".</param>
    /// <param name="cookies">Cookies by name.</param>
    /// <param name="clientAddress">The browser's address as the router saw it, or null.</param>
    /// <param name="routeValues">The values of the mapped route template's parameters (names case-insensitive).</param>
    public Request(string path, string queryString, IReadOnlyDictionary<string, IReadOnlyList<string>>? query = null,
        IReadOnlyDictionary<string, string>? headers = null, IReadOnlyDictionary<string, string>? cookies = null,
        string? clientAddress = null,
        IReadOnlyDictionary<string, string>? routeValues = null)
    {
        RouteValues = routeValues ?? NoStrings;
        Path = path;
        QueryString = queryString;
        Query = query ?? NoQuery;
        Headers = headers ?? NoStrings;
        Cookies = cookies ?? NoStrings;
        ClientAddress = clientAddress;
    }

    /// <summary>No request: a tag not hosted by a server.</summary>
    public static Request Empty { get; } = new("/", "");

    /// <summary>The path, e.g. <c>/hello</c>.</summary>
    public string Path { get; }

    /// <summary>The raw query string with its leading <c>?</c> (empty when none).</summary>
    public string QueryString { get; }

    /// <summary>Every query parameter, those Init binds and those it does not (names case-insensitive).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Query { get; }

    /// <summary>The request headers (names case-insensitive), without <c>X-HTag-*</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The cookies, without the router's uid cookie.</summary>
    public IReadOnlyDictionary<string, string> Cookies { get; }

    /// <summary>The browser's IP address as the router determined it (its trusted-proxies rule), or null.</summary>
    public string? ClientAddress { get; }

    /// <summary>The values of the route template's parameters (<c>Map&lt;App&gt;("/items/{id:int}")</c>: <c>id</c>), also
    /// bound to Init parameters by name; empty for an exact path.</summary>
    public IReadOnlyDictionary<string, string> RouteValues { get; }

    /// <summary>The first value of query parameter <paramref name="name"/>, or null.</summary>
    /// <param name="name">The parameter name.</param>
    public string? QueryValue(string name) => Query.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;
}
