namespace HTagKube.Contract;

/// <summary>HTTP headers between router and userpod.</summary>
public static class Headers
{
    /// <summary>Every header of this family comes from the router: a client's own are dropped.</summary>
    public const string Prefix = "X-HTag-";

    /// <summary>The userpod's token (<see cref="UserpodEnvironment.Token"/>), on every request but health.</summary>
    public const string Token = "X-HTag-Token";

    /// <summary>The signed-in user: base64url (no padding) of UTF-8 JSON <c>{"iss","sub","name","email","groups"}</c>.</summary>
    public const string User = "X-HTag-User";

    /// <summary>The user's key (<c>UserKey</c>, never the uid), on every request to a userpod: the userpod names its
    /// durable state with it when it calls <see cref="StateProtocol.Path"/> (docs/design.md, durable state).</summary>
    public const string StateKey = "X-HTag-State-Key";

    /// <summary>The base URL (<c>http://host:port</c>) at which the userpod reaches the router's
    /// <see cref="StateProtocol.Path"/>, on every request to a userpod.</summary>
    public const string StateUrl = "X-HTag-State-Url";
}
