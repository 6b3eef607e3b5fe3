namespace HTagKube.Router.Hosting;

/// <summary>Command-line flags and environment variables → the <c>Router</c> configuration section.</summary>
public static class RouterConfig
{
    /// <summary>Flags taking a value.</summary>
    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--userpod-command"] = "Router:UserpodCommand",
        ["--idle-timeout"] = "Router:IdleTimeout",
        ["--start-wait"] = "Router:StartWait",
        ["--spawn-timeout"] = "Router:SpawnTimeout",
        ["--touch-interval"] = "Router:TouchInterval",
        ["--sweep-interval"] = "Router:SweepInterval",
        ["--upstream-timeout"] = "Router:UpstreamTimeout",
        ["--max-sessions"] = "Router:MaxSessions",
        ["--warm-pool"] = "Router:WarmPool",
        ["--max-starting"] = "Router:MaxStarting",
        ["--spare-userpods"] = "Router:WarmPool", // the flag's earlier name, kept as an alias
        ["--sessions-per-ip-per-minute"] = "Router:SessionsPerIpPerMinute",
        ["--trusted-proxies"] = "Router:TrustedProxies",
        ["--max-request-body"] = "Router:MaxRequestBodyBytes",
        ["--max-request-headers"] = "Router:MaxRequestHeadersBytes",
        ["--max-ws-message"] = "Router:MaxWebSocketMessageBytes",
        ["--ws-ping"] = "Router:WebSocketPing",
        ["--redis"] = "Router:Redis",
        ["--keep-userpods"] = "Router:KeepUserpodsOnExit",
        ["--kubernetes"] = "Router:Kubernetes",
        ["--oidc-authority"] = "Router:OidcAuthority",
        ["--oidc-client-id"] = "Router:OidcClientId",
        ["--oidc-client-secret-file"] = "Router:OidcClientSecretFile",
        ["--oidc-ca-file"] = "Router:OidcCaFile",
        ["--oidc-scopes"] = "Router:OidcScopes",
        ["--oidc-groups-claim"] = "Router:OidcGroupsClaim",
        ["--oidc-allowed-groups"] = "Router:OidcAllowedGroups",
        ["--oidc-allowed-emails"] = "Router:OidcAllowedEmails",
        ["--oidc-allowed-email-domains"] = "Router:OidcAllowedEmailDomains",
        ["--oidc-admin-group"] = "Router:OidcAdminGroup",
        ["--oidc-login-lifetime"] = "Router:OidcLoginLifetime",
        ["--oidc-logout-ends-session"] = "Router:OidcLogoutEndsSession",
    };

    static readonly HashSet<string> BareFlags = new(StringComparer.OrdinalIgnoreCase) { "--kubernetes", "--keep-userpods", "--oidc-logout-ends-session" };

    /// <summary>Turns bare boolean flags (<c>--kubernetes</c>) into <c>--kubernetes=true</c> for the config parser.</summary>
    public static string[] Normalize(string[] args)
    {
        var list = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            var nextIsValue = i + 1 < args.Length && (args[i + 1] is "true" or "false");
            if (BareFlags.Contains(a) && !nextIsValue) list.Add(a + "=true");
            else list.Add(a);
        }
        return [.. list];
    }

    /// <summary>Binds the options; <c>HTAGKUBE_REDIS</c> also selects Redis.</summary>
    public static RouterOptions Bind(IConfiguration config)
    {
        var o = new RouterOptions();
        config.GetSection("Router").Bind(o);
        if (string.IsNullOrWhiteSpace(o.Redis)) o.Redis = Environment.GetEnvironmentVariable("HTAGKUBE_REDIS");
        if (string.IsNullOrWhiteSpace(o.Redis)) o.Redis = null;
        if (o.IdleTimeout <= TimeSpan.Zero) throw new ArgumentException("idle timeout must be positive");
        if (o.WebSocketPing <= TimeSpan.Zero) throw new ArgumentException("--ws-ping must be positive");
        if (o.MaxSessions < 0 || o.SessionsPerIpPerMinute < 1) throw new ArgumentException("session limits must be positive");
        if (o.WarmPool is < 0 or > 500) throw new ArgumentException("--warm-pool must be between 0 and 500");
        if (o.MaxStarting is < 0 or > 500) throw new ArgumentException("--max-starting must be between 0 (one per core) and 500");
        TrustedProxies.Parse(o.TrustedProxies); // a bad entry stops the start with a clear message
        if (o.MaxStarting == 0) o.MaxStarting = Environment.ProcessorCount;
        SignIn.SignInConfig.Validate(o);
        return o;
    }
}
