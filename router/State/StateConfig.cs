using HTagKube.Router.Hosting;

namespace HTagKube.Router.State;

/// <summary>The rules for the state flags (<c>--state-retention</c>, <c>--state-max-bytes</c>, <c>--state-url</c>).</summary>
public static class StateConfig
{
    /// <summary>Smallest <c>--state-max-bytes</c>: below it no real session fits.</summary>
    public const int MinMaxBytes = 1024;

    /// <summary>Largest <c>--state-max-bytes</c>: Redis's own limit for one string value.</summary>
    public const int MaxMaxBytes = 512 * 1024 * 1024;

    /// <summary>A bad value stops the start with a clear message; the URL is normalised (no trailing slash).</summary>
    public static void Validate(RouterOptions o)
    {
        if (o.StateRetention is { } retention && retention <= TimeSpan.Zero)
            throw new ArgumentException("--state-retention must be positive");
        if (o.StateMaxBytes is < MinMaxBytes or > MaxMaxBytes)
            throw new ArgumentException($"--state-max-bytes must be between {MinMaxBytes} (1 KiB) and {MaxMaxBytes} (512 MiB)");
        if (string.IsNullOrWhiteSpace(o.StateUrl))
        {
            o.StateUrl = null;
            return;
        }
        if (!Uri.TryCreate(o.StateUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
            || url.AbsolutePath != "/" || url.Query.Length > 0 || url.Fragment.Length > 0 || url.UserInfo.Length > 0)
            throw new ArgumentException($"--state-url must be a base URL http://host:port (no path), not '{o.StateUrl}'");
        o.StateUrl = o.StateUrl.TrimEnd('/');
    }
}
