namespace HTag;

/// <summary>
/// Settings of an <see cref="HTagServer"/>; per-app overrides through <see cref="AppOptions"/>. The environment
/// (or command line) sets them too: HTAG_DEBUG, HTAG_HTTP_ONLY, HTAG_PARANO, HTAG_INTERACTION_TIMEOUT and
/// HTAG_TIMEOUT_GRACE (seconds), HTAG_MAX_MESSAGE_BYTES, HTAG_MAX_UPLOAD_BYTES,
/// HTAG_MAX_INTERACTIONS_PER_SECOND, HTAG_TOKEN, HTAG_WARMUP, HTAG_WEBROOT (names: HTagKube.Contract.UserpodEnvironment).
/// </summary>
public sealed class HTagOptions
{
    /// <summary>Errors shown in the browser console include stack traces. Default false.</summary>
    public bool Debug { get; set; }

    /// <summary>Interactions go over HTTP POST instead of a WebSocket (no server push). Default false.</summary>
    public bool HttpOnly { get; set; }

    /// <summary>Interaction payloads are AES-256-GCM encrypted with a per-instance key. Default false.</summary>
    public bool Parano { get; set; }

    /// <summary>How long one interaction may run before the client gets an error and the instance is dropped. Default 60 s.</summary>
    public TimeSpan InteractionTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a timed-out handler may still run before the process exits with a non-zero code. Default 5 s.</summary>
    public TimeSpan TimeoutGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Largest WebSocket message or POST body accepted, in bytes (env <c>HTAG_MAX_MESSAGE_BYTES</c>); per app through
    /// <see cref="AppOptions.MaxMessageBytes"/>. Default 1 MiB, the router's own WebSocket message limit: raising it past
    /// that needs the router's limit raised too (docs/apps.md). A socket's buffer grows to it only for a message that large.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest file accepted by an upload field (<see cref="Tag.OnUpload"/>), in bytes; larger ones get a 413.
    /// Default 10 MiB.</summary>
    public long MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Interactions allowed per second and connection (sustained; bursts up to twice as many). Default 50.</summary>
    public int MaxInteractionsPerSecond { get; set; } = 50;

    /// <summary>
    /// Before announcing itself (the <c>htag-listening:</c> line, <c>/readyz</c>), the server renders every app once
    /// over a loopback connection and then discards those instances and the session, so the first real page is
    /// served by compiled code. The router and the operator set it (<c>HTAG_WARMUP=1</c>) on warm-pool userpods
    /// only; a userpod started for a waiting user skips it. App constructors and first renders therefore run once
    /// with no user: keep side effects (e-mails, writes) in event handlers. Default false.
    /// </summary>
    public bool WarmUp { get; set; }

    /// <summary>
    /// How often Kestrel's housekeeping runs: connection timeouts (keep-alive, request headers, data rates) and its
    /// cached Date header, which requests refresh anyway when it is a second old. Kestrel's own is 1 s, 60 wake-ups a
    /// minute, most of an idle userpod's CPU. A userpod serves one user behind the router (which enforces its own
    /// timeouts) and mostly waits, so 30 s by default: its timeouts act up to that much later. Null keeps Kestrel's.
    /// </summary>
    public TimeSpan? ServerHeartbeat { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The folder served as static files at the site's root (<c>/style.css</c> → <c>wwwroot/style.css</c>), relative
    /// to the program's folder; env <c>HTAG_WEBROOT</c>. Paths of apps and endpoints come first. Null or a missing
    /// folder: none. Default <c>wwwroot</c>.
    /// </summary>
    public string? WebRoot { get; set; } = "wwwroot";

    /// <summary>Extra Content-Security-Policy sources for every app's pages (env <c>HTAG_CSP_STYLE_SRC</c>…); strict by
    /// default.</summary>
    public ContentSecurity ContentSecurity { get; } = new();

    /// <summary>The token every request must carry in <c>X-HTag-Token</c>; from env <c>HTAG_TOKEN</c> when null.</summary>
    public string? Token { get; set; }
}

/// <summary>Per-app overrides of <see cref="HTagOptions"/> (htagweb's per-handler <c>http_only</c>/<c>parano</c>).</summary>
public sealed class AppOptions
{
    /// <summary>Overrides <see cref="HTagOptions.HttpOnly"/> for this app.</summary>
    public bool? HttpOnly { get; set; }

    /// <summary>Overrides <see cref="HTagOptions.Parano"/> for this app.</summary>
    public bool? Parano { get; set; }

    /// <summary>Content-Security-Policy sources for this app's pages, added to <see cref="HTagOptions.ContentSecurity"/>.</summary>
    public ContentSecurity ContentSecurity { get; } = new();

    /// <summary>Overrides <see cref="HTagOptions.InteractionTimeout"/> for this app (its Init, renders and handlers).</summary>
    public TimeSpan? InteractionTimeout { get; set; }

    /// <summary>Overrides <see cref="HTagOptions.MaxMessageBytes"/> for this app (at least 1024).</summary>
    public int? MaxMessageBytes
    {
        get => _maxMessageBytes;
        set => _maxMessageBytes = value is null or >= 1024
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), "at least 1024 bytes");
    }

    int? _maxMessageBytes;
}
