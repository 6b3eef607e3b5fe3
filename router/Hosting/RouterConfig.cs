using HTagKube.Contract;

namespace HTagKube.Router.Hosting;

/// <summary>Command-line flags and environment variables → the <c>Router</c> configuration section.</summary>
public static class RouterConfig
{
    /// <summary>The configuration section of <see cref="RouterOptions"/>.</summary>
    public const string Section = "Router";

    /// <summary>Every flag of the router, in one place (the chart's tests check its arguments against it).</summary>
    public static readonly ProgramFlags Flags = new(
    [
        Flag("--userpod-command", nameof(RouterOptions.UserpodCommand)),
        Flag("--idle-timeout", nameof(RouterOptions.IdleTimeout), FlagKind.Duration),
        Flag("--start-wait", nameof(RouterOptions.StartWait), FlagKind.Duration),
        Flag("--spawn-timeout", nameof(RouterOptions.SpawnTimeout), FlagKind.Duration),
        Flag("--touch-interval", nameof(RouterOptions.TouchInterval), FlagKind.Duration),
        Flag("--sweep-interval", nameof(RouterOptions.SweepInterval), FlagKind.Duration),
        Flag("--upstream-timeout", nameof(RouterOptions.UpstreamTimeout), FlagKind.Duration),
        Flag("--max-sessions", nameof(RouterOptions.MaxSessions)),
        Flag("--warm-pool", nameof(RouterOptions.WarmPool)),
        Flag("--spare-userpods", nameof(RouterOptions.WarmPool)), // the flag's earlier name, kept as an alias
        Flag("--max-starting", nameof(RouterOptions.MaxStarting)),
        Flag("--sessions-per-ip-per-minute", nameof(RouterOptions.SessionsPerIpPerMinute)),
        Flag("--trusted-proxies", nameof(RouterOptions.TrustedProxies)),
        Flag("--max-request-body", nameof(RouterOptions.MaxRequestBodyBytes)),
        Flag("--max-request-headers", nameof(RouterOptions.MaxRequestHeadersBytes)),
        Flag("--max-ws-message", nameof(RouterOptions.MaxWebSocketMessageBytes)),
        Flag("--ws-ping", nameof(RouterOptions.WebSocketPing), FlagKind.Duration),
        Flag("--ws-keepalive", nameof(RouterOptions.WebSocketKeepAlive), FlagKind.Duration),
        Flag("--state-retention", nameof(RouterOptions.StateRetention), FlagKind.Duration),
        Flag("--state-max-bytes", nameof(RouterOptions.StateMaxBytes)),
        Flag("--state-url", nameof(RouterOptions.StateUrl)),
        Flag("--redis", nameof(RouterOptions.Redis)),
        Flag("--keep-userpods", nameof(RouterOptions.KeepUserpodsOnExit), FlagKind.Switch),
        Flag("--kubernetes", nameof(RouterOptions.Kubernetes), FlagKind.Switch),
        Flag("--oidc-authority", nameof(RouterOptions.OidcAuthority)),
        Flag("--oidc-client-id", nameof(RouterOptions.OidcClientId)),
        Flag("--oidc-client-secret-file", nameof(RouterOptions.OidcClientSecretFile)),
        Flag("--oidc-ca-file", nameof(RouterOptions.OidcCaFile)),
        Flag("--oidc-scopes", nameof(RouterOptions.OidcScopes)),
        Flag("--oidc-groups-claim", nameof(RouterOptions.OidcGroupsClaim)),
        Flag("--oidc-allowed-groups", nameof(RouterOptions.OidcAllowedGroups)),
        Flag("--oidc-allowed-emails", nameof(RouterOptions.OidcAllowedEmails)),
        Flag("--oidc-allowed-email-domains", nameof(RouterOptions.OidcAllowedEmailDomains)),
        Flag("--oidc-admin-group", nameof(RouterOptions.OidcAdminGroup)),
        Flag("--oidc-login-lifetime", nameof(RouterOptions.OidcLoginLifetime), FlagKind.Duration),
        Flag("--oidc-logout-ends-session", nameof(RouterOptions.OidcLogoutEndsSession), FlagKind.Switch),
    ]);

    static ProgramFlag Flag(string name, string setting, FlagKind kind = FlagKind.Value) => new(name, Section + ":" + setting, kind);

    /// <summary>Binds the options; <c>HTAGKUBE_REDIS</c> also selects Redis. A bad value stops the start with a clear message.</summary>
    public static RouterOptions Bind(IConfiguration config)
    {
        Flags.ReadDurations(key => config[key], (key, value) => config[key] = value);
        var o = new RouterOptions();
        config.GetSection(Section).Bind(o);
        if (string.IsNullOrWhiteSpace(o.Redis)) o.Redis = Environment.GetEnvironmentVariable(RouterEnvironment.Redis);
        if (string.IsNullOrWhiteSpace(o.Redis)) o.Redis = null;
        if (o.IdleTimeout <= TimeSpan.Zero) throw new ArgumentException("idle timeout must be positive");
        if (o.WebSocketPing <= TimeSpan.Zero) throw new ArgumentException("--ws-ping must be positive");
        if (o.WebSocketKeepAlive <= TimeSpan.Zero) throw new ArgumentException("--ws-keepalive must be positive");
        if (o.MaxSessions < 0 || o.SessionsPerIpPerMinute < 1) throw new ArgumentException("session limits must be positive");
        if (o.WarmPool is < 0 or > 500) throw new ArgumentException("--warm-pool must be between 0 and 500");
        if (o.MaxStarting is < 0 or > 500)
            throw new ArgumentException("--max-starting must be between 0 (one per core) and 500");
        State.StateConfig.Validate(o);
        TrustedProxies.Parse(o.TrustedProxies); // a bad entry stops the start with a clear message
        if (o.MaxStarting == 0) o.MaxStarting = Environment.ProcessorCount;
        SignIn.SignInConfig.Validate(o);
        return o;
    }
}
