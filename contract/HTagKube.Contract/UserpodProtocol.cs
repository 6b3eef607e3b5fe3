namespace HTagKube.Contract;

/// <summary>What a userpod promises whoever starts it: health paths, its listening line, its watchdog's exit code.</summary>
public static class UserpodProtocol
{
    /// <summary>Liveness: 200 while the process serves; never needs the token.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>Readiness: 200 once warmed up (503 before); never needs the token.</summary>
    public const string ReadyPath = "/readyz";

    /// <summary>Prefix of the one stdout line a userpod prints once bound: <c>htag-listening: http://127.0.0.1:{port}</c>.</summary>
    public const string ListeningPrefix = "htag-listening:";

    /// <summary>Exit code of a userpod whose app code outlived the interaction timeout plus its grace.</summary>
    public const int WatchdogExitCode = 75;
}
