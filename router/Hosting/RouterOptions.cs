namespace HTagKube.Router.Hosting;

/// <summary>Router settings: config section <c>Router</c>, command-line flags (see <see cref="RouterConfig"/>).</summary>
public sealed class RouterOptions
{
    /// <summary>Command line of the userpod program; null = <c>dotnet {router dir}/userpod/HTagKube.Demo.dll</c>.</summary>
    public string? UserpodCommand { get; set; }

    /// <summary>A route without user activity for this long expires and its userpod is stopped.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a request waits for a starting session before the "starting" page / 503.</summary>
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

    /// <summary>Redis connection string (StackExchange.Redis syntax); null = in-memory route table.</summary>
    public string? Redis { get; set; }

    /// <summary>Kubernetes mode: sessions are HTagSession resources (provisioner added by the Kubernetes part).</summary>
    public bool Kubernetes { get; set; }

    /// <summary>
    /// Leave userpods running when the router stops, to be re-adopted by the next router through the shared
    /// route table. Null = yes with Redis (routes survive), no with the in-memory table (they cannot).
    /// </summary>
    public bool? KeepUserpodsOnExit { get; set; }

    /// <summary>Effective <see cref="KeepUserpodsOnExit"/>.</summary>
    public bool KeepUserpods => KeepUserpodsOnExit ?? Redis is not null;

    /// <summary>Effective throttle of TTL refreshes.</summary>
    public TimeSpan EffectiveTouchInterval =>
        TouchInterval < IdleTimeout / 4 ? TouchInterval : IdleTimeout / 4;
}
