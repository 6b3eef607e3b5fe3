using System.Security.Cryptography.X509Certificates;
using HTagKube.Contract;

namespace HTagKube.Router.Hosting;

/// <summary>Router settings: config section <c>Router</c>, command-line flags (see <see cref="RouterConfig"/>).</summary>
public sealed class RouterOptions
{
    /// <summary>Command line of the userpod program; null = <c>dotnet {router dir}/userpod/HTagKube.Demo.dll</c>.</summary>
    public string? UserpodCommand { get; set; }

    /// <summary>A route without user activity for this long expires and its userpod is stopped.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long a request waits for its session's start before the "starting" page / 503: in all, a dead route's
    /// replacements included.
    /// </summary>
    public TimeSpan StartWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline for a userpod to print its address and answer /healthz.</summary>
    public TimeSpan SpawnTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At most one TTL refresh per user per this interval (clamped to a quarter of the idle timeout).</summary>
    public TimeSpan TouchInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the route table reports expired routes (and Redis checks its epoch).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Time allowed for an upstream to send response headers before 504.</summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// Warm pool (local mode): userpods kept started, healthy and unassigned, so a new or replaced session takes
    /// one in milliseconds instead of waiting for a process start. 0 disables it (every session starts cold).
    /// </summary>
    public int WarmPool { get; set; } = 2;

    /// <summary>
    /// Userpod processes starting at once (local mode), users before warm-pool refills. Starts are CPU-bound:
    /// bounding them lets the first users in a burst in after one start instead of all after all. 0 = one per core.
    /// </summary>
    public int MaxStarting { get; set; }

    /// <summary>Live sessions accepted (with Redis: by every router on it together); new users beyond it get a 503 page.</summary>
    public int MaxSessions { get; set; } = 500;

    /// <summary>New sessions one client IP may create per minute.</summary>
    public int SessionsPerIpPerMinute { get; set; } = 30;

    /// <summary>
    /// How long an admitted new session holds its place in the cap before its route exists: long enough for any
    /// start (twice the spawn timeout, at least a minute), short enough that a router dying mid-start frees it soon.
    /// </summary>
    public TimeSpan StartReservation => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, 2 * SpawnTimeout.Ticks));

    /// <summary>
    /// Reverse proxies whose X-Forwarded-For/-Proto are believed (addresses or CIDR ranges, comma-separated), so the
    /// per-IP limit and the userpod see the real client. Empty = none: the connection's address is the client.
    /// </summary>
    public string? TrustedProxies { get; set; }

    /// <summary>Largest request body, in bytes (Kestrel limit).</summary>
    public long MaxRequestBodyBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Largest total request header size, in bytes (Kestrel limit; over it: 431).</summary>
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;

    /// <summary>Largest WebSocket message relayed either way; over it both sides are closed with 1009.</summary>
    public int MaxWebSocketMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Ping interval on each userpod WebSocket, and the deadline for its answer: a userpod silent for longer (frozen,
    /// unreachable) has its browser socket closed with 1001 so the page reconnects.
    /// </summary>
    public TimeSpan WebSocketPing { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Keep-alive (ping) interval on each browser WebSocket: an idle page's socket carries a frame this often, so any
    /// proxy idle timeout above it (ingress-nginx's proxy-read-timeout is 60 s) keeps the socket open.
    /// </summary>
    public TimeSpan WebSocketKeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a user's durable state document is kept after its last read or write (it outlives the userpod by
    /// this). Null = the idle timeout.
    /// </summary>
    public TimeSpan? StateRetention { get; set; }

    /// <summary>Largest state document a userpod may store, in bytes (over it: 413, nothing stored).</summary>
    public int StateMaxBytes { get; set; } = StateProtocol.DefaultMaxBytes;

    /// <summary>
    /// Base URL (<c>http://host:port</c>) at which userpods reach this router's state endpoint. Null = local mode: the
    /// router's own loopback address; Kubernetes mode: <c>http://{HTAGKUBE_POD_IP}:{port}</c>.
    /// </summary>
    public string? StateUrl { get; set; }

    /// <summary>Redis connection string (StackExchange.Redis syntax); null = in-memory route table.</summary>
    public string? Redis { get; set; }

    /// <summary>Kubernetes mode: sessions are HTagSession resources (provisioner added by the Kubernetes part).</summary>
    public bool Kubernetes { get; set; }

    /// <summary>
    /// Leave userpods running when the router stops, to be re-adopted by the next router through the shared
    /// route table. Null = yes with Redis (routes survive), no with the in-memory table (they cannot).
    /// </summary>
    public bool? KeepUserpodsOnExit { get; set; }

    /// <summary>OpenID provider (issuer URL); null = anonymous users with the uid cookie (the default).</summary>
    public string? OidcAuthority { get; set; }

    /// <summary>The router's client id at the OpenID provider.</summary>
    public string? OidcClientId { get; set; }

    /// <summary>File holding the client secret (else <c>HTAGKUBE_OIDC_CLIENT_SECRET</c>; none = a public client, PKCE only).</summary>
    public string? OidcClientSecretFile { get; set; }

    /// <summary>
    /// PEM file of the CA certificates that alone are trusted for the provider's TLS on the router's own calls to it
    /// (discovery, keys, token, user info); null = the system's trust store. For a provider with a private CA.
    /// </summary>
    public string? OidcCaFile { get; set; }

    /// <summary>The certificates of <see cref="OidcCaFile"/>, read once at start (never bound from flags).</summary>
    public X509Certificate2Collection? OidcCa { get; set; }

    /// <summary>The client secret, read from <see cref="OidcClientSecretFile"/> or the environment (never bound from flags).</summary>
    public string? OidcClientSecret { get; set; }

    /// <summary>Scopes asked for, space-separated (add <c>groups</c> for providers that need it, e.g. dex).</summary>
    public string OidcScopes { get; set; } = "openid profile email";

    /// <summary>The claim listing the user's groups.</summary>
    public string OidcGroupsClaim { get; set; } = "groups";

    /// <summary>Groups allowed in (comma-separated). With no allow-list at all, every signed-in user is.</summary>
    public string? OidcAllowedGroups { get; set; }

    /// <summary>E-mail addresses allowed in (comma-separated; verified addresses only).</summary>
    public string? OidcAllowedEmails { get; set; }

    /// <summary>E-mail domains allowed in (comma-separated, e.g. <c>example.com</c>; verified addresses only).</summary>
    public string? OidcAllowedEmailDomains { get; set; }

    /// <summary>Members of this group may use the admin listing (<c>/_htagkube/sessions</c>) from anywhere.</summary>
    public string? OidcAdminGroup { get; set; }

    /// <summary>How long a login is valid; then the next page signs in again (silently while the provider's session lasts).</summary>
    public TimeSpan OidcLoginLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Logout also ends the user's session (userpod), not only the router's login.</summary>
    public bool OidcLogoutEndsSession { get; set; }

    /// <summary>True when users sign in with OpenID Connect.</summary>
    public bool SignIn => OidcAuthority is not null;

    /// <summary>Effective <see cref="KeepUserpodsOnExit"/>.</summary>
    public bool KeepUserpods => KeepUserpodsOnExit ?? Redis is not null;

    /// <summary>Effective <see cref="StateRetention"/>.</summary>
    public TimeSpan EffectiveStateRetention => StateRetention ?? IdleTimeout;

    /// <summary>
    /// How long a state document lives after the user's last activity (or its last read or write): the userpod lives up
    /// to the idle timeout after it, and the document outlives the userpod by the retention.
    /// </summary>
    public TimeSpan StateLifetime => IdleTimeout + EffectiveStateRetention;

    /// <summary>Effective throttle of TTL refreshes.</summary>
    public TimeSpan EffectiveTouchInterval =>
        TouchInterval < IdleTimeout / 4 ? TouchInterval : IdleTimeout / 4;
}
