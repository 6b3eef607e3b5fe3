using HTagKube.Contract;

namespace HTagKube.Router.Hosting;

/// <summary>How a flag's value is read.</summary>
public enum FlagKind
{
    /// <summary>Bound as is (numbers, strings).</summary>
    Value,

    /// <summary>A duration in the contract's one format (<see cref="Durations"/>): seconds, or 30s / 5m / 1h30m.</summary>
    Duration,

    /// <summary>A switch: bare means true; <c>true</c>/<c>false</c> may follow.</summary>
    Switch,
}

/// <summary>One command-line flag of the router and the <c>Router</c> setting it fills.</summary>
/// <param name="Name">The flag, e.g. <c>--idle-timeout</c>.</param>
/// <param name="Setting">The <see cref="RouterOptions"/> property it sets.</param>
/// <param name="Kind">How its value is read.</param>
public sealed record RouterFlag(string Name, string Setting, FlagKind Kind = FlagKind.Value)
{
    /// <summary>The configuration key (<c>Router:{Setting}</c>).</summary>
    public string Key => RouterConfig.Section + ":" + Setting;
}

/// <summary>Command-line flags and environment variables → the <c>Router</c> configuration section.</summary>
public static class RouterConfig
{
    /// <summary>The configuration section of <see cref="RouterOptions"/>.</summary>
    public const string Section = "Router";

    /// <summary>Every flag of the router, in one place (the chart's tests check its arguments against it).</summary>
    public static readonly IReadOnlyList<RouterFlag> Flags =
    [
        new("--userpod-command", nameof(RouterOptions.UserpodCommand)),
        new("--idle-timeout", nameof(RouterOptions.IdleTimeout), FlagKind.Duration),
        new("--start-wait", nameof(RouterOptions.StartWait), FlagKind.Duration),
        new("--spawn-timeout", nameof(RouterOptions.SpawnTimeout), FlagKind.Duration),
        new("--touch-interval", nameof(RouterOptions.TouchInterval), FlagKind.Duration),
        new("--sweep-interval", nameof(RouterOptions.SweepInterval), FlagKind.Duration),
        new("--upstream-timeout", nameof(RouterOptions.UpstreamTimeout), FlagKind.Duration),
        new("--max-sessions", nameof(RouterOptions.MaxSessions)),
        new("--warm-pool", nameof(RouterOptions.WarmPool)),
        new("--spare-userpods", nameof(RouterOptions.WarmPool)), // the flag's earlier name, kept as an alias
        new("--max-starting", nameof(RouterOptions.MaxStarting)),
        new("--sessions-per-ip-per-minute", nameof(RouterOptions.SessionsPerIpPerMinute)),
        new("--trusted-proxies", nameof(RouterOptions.TrustedProxies)),
        new("--max-request-body", nameof(RouterOptions.MaxRequestBodyBytes)),
        new("--max-request-headers", nameof(RouterOptions.MaxRequestHeadersBytes)),
        new("--max-ws-message", nameof(RouterOptions.MaxWebSocketMessageBytes)),
        new("--ws-ping", nameof(RouterOptions.WebSocketPing), FlagKind.Duration),
        new("--ws-keepalive", nameof(RouterOptions.WebSocketKeepAlive), FlagKind.Duration),
        new("--redis", nameof(RouterOptions.Redis)),
        new("--keep-userpods", nameof(RouterOptions.KeepUserpodsOnExit), FlagKind.Switch),
        new("--kubernetes", nameof(RouterOptions.Kubernetes), FlagKind.Switch),
        new("--oidc-authority", nameof(RouterOptions.OidcAuthority)),
        new("--oidc-client-id", nameof(RouterOptions.OidcClientId)),
        new("--oidc-client-secret-file", nameof(RouterOptions.OidcClientSecretFile)),
        new("--oidc-ca-file", nameof(RouterOptions.OidcCaFile)),
        new("--oidc-scopes", nameof(RouterOptions.OidcScopes)),
        new("--oidc-groups-claim", nameof(RouterOptions.OidcGroupsClaim)),
        new("--oidc-allowed-groups", nameof(RouterOptions.OidcAllowedGroups)),
        new("--oidc-allowed-emails", nameof(RouterOptions.OidcAllowedEmails)),
        new("--oidc-allowed-email-domains", nameof(RouterOptions.OidcAllowedEmailDomains)),
        new("--oidc-admin-group", nameof(RouterOptions.OidcAdminGroup)),
        new("--oidc-login-lifetime", nameof(RouterOptions.OidcLoginLifetime), FlagKind.Duration),
        new("--oidc-logout-ends-session", nameof(RouterOptions.OidcLogoutEndsSession), FlagKind.Switch),
    ];

    /// <summary>Flags → configuration keys, for the command-line configuration provider.</summary>
    public static readonly Dictionary<string, string> SwitchMappings =
        Flags.ToDictionary(f => f.Name, f => f.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>Turns bare switches (<c>--kubernetes</c>) into <c>--kubernetes=true</c> for the config parser.</summary>
    public static string[] Normalize(string[] args)
    {
        var list = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            var nextIsValue = i + 1 < args.Length && (args[i + 1] is "true" or "false");
            var isSwitch = Flags.Any(f => f.Kind == FlagKind.Switch && string.Equals(f.Name, a, StringComparison.OrdinalIgnoreCase));
            list.Add(isSwitch && !nextIsValue ? a + "=true" : a);
        }
        return [.. list];
    }

    /// <summary>Binds the options; <c>HTAGKUBE_REDIS</c> also selects Redis. A bad value stops the start with a clear message.</summary>
    public static RouterOptions Bind(IConfiguration config)
    {
        // Durations in the contract's format, rewritten in the form the binder reads (from flags, env or settings).
        foreach (var flag in Flags.Where(f => f.Kind == FlagKind.Duration))
        {
            if (config[flag.Key] is not { } raw) continue;
            if (!Durations.TryParse(raw, out var value))
                throw new ArgumentException($"{flag.Name}: '{raw}' is not a duration (seconds, or 30s / 5m / 1h30m)");
            config[flag.Key] = value.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        }
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
        TrustedProxies.Parse(o.TrustedProxies); // a bad entry stops the start with a clear message
        if (o.MaxStarting == 0) o.MaxStarting = Environment.ProcessorCount;
        SignIn.SignInConfig.Validate(o);
        return o;
    }
}
