namespace HTagKube.Contract;

/// <summary>Environment variables a userpod reads, set by whoever starts it (the local router, the operator's pod spec).</summary>
public static class UserpodEnvironment
{
    /// <summary>The userpod's own token: set → every request but health needs <see cref="Headers.Token"/>.</summary>
    public const string Token = "HTAG_TOKEN";

    /// <summary><c>1</c>: render every app once over loopback before announcing and answering <c>/readyz</c> (warm pools).</summary>
    public const string WarmUp = "HTAG_WARMUP";

    /// <summary><see cref="LifelineStdin"/>: stdin is a pipe the router holds; its end stops the userpod (local mode).</summary>
    public const string Lifeline = "HTAG_LIFELINE";

    /// <summary>The value of <see cref="Lifeline"/> the local router sets.</summary>
    public const string LifelineStdin = "stdin";

    /// <summary>The line a router sends on the lifeline to let the userpod outlive it (re-adoption with Redis).</summary>
    public const string LifelineKeep = "keep";

    /// <summary>Seconds without any request after which (plus a grace) a userpod stops by itself.</summary>
    public const string IdleTimeout = "HTAG_IDLE_TIMEOUT";

    /// <summary>Debug mode of the userpod (error details on its pages).</summary>
    public const string Debug = "HTAG_DEBUG";

    /// <summary>Interaction timeout, in seconds: the one deadline of all app code.</summary>
    public const string InteractionTimeout = "HTAG_INTERACTION_TIMEOUT";

    /// <summary>Grace past the interaction timeout before the watchdog exits with <see cref="UserpodProtocol.WatchdogExitCode"/>.</summary>
    public const string TimeoutGrace = "HTAG_TIMEOUT_GRACE";

    /// <summary>Interactions over HTTP POST only (no WebSocket).</summary>
    public const string HttpOnly = "HTAG_HTTP_ONLY";

    /// <summary>Parano mode: interaction payloads encrypted end to end.</summary>
    public const string Parano = "HTAG_PARANO";

    /// <summary>Largest interaction message, in bytes.</summary>
    public const string MaxMessageBytes = "HTAG_MAX_MESSAGE_BYTES";

    /// <summary>Interactions per second one connection may send.</summary>
    public const string MaxInteractionsPerSecond = "HTAG_MAX_INTERACTIONS_PER_SECOND";

    /// <summary>Largest upload, in bytes.</summary>
    public const string MaxUploadBytes = "HTAG_MAX_UPLOAD_BYTES";

    /// <summary>The program's static files folder.</summary>
    public const string WebRoot = "HTAG_WEBROOT";
}
