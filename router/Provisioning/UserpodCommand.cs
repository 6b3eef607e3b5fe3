using HTagKube.Contract;
using System.Diagnostics;
using System.Text;

namespace HTagKube.Router.Provisioning;

/// <summary>The userpod program to start: an executable plus arguments, parsed from one command line.</summary>
public sealed class UserpodCommand
{
    /// <summary>The executable (looked up on PATH when not rooted).</summary>
    public string FileName { get; }

    /// <summary>Arguments before the router's own (<c>--urls …</c>).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>
    /// Passed as HTAG_IDLE_TIMEOUT: a userpod no router ends (released, or its router gone) stops by itself after it,
    /// plus a grace.
    /// </summary>
    public TimeSpan? IdleTimeout { get; private init; }

    UserpodCommand(string fileName, IReadOnlyList<string> arguments) { FileName = fileName; Arguments = arguments; }

    /// <summary>This command with the router's idle timeout for its userpods' own idle stop.</summary>
    public UserpodCommand WithIdleTimeout(TimeSpan idleTimeout) => new(FileName, Arguments) { IdleTimeout = idleTimeout };

    /// <summary>The default: the Demo program the router build copies into <c>{router dir}/userpod/</c>.</summary>
    public static UserpodCommand Default() =>
        new("dotnet", [Path.Combine(AppContext.BaseDirectory, "userpod", "HTagKube.Demo.dll")]);

    /// <summary>Parses <c>dotnet "/path with space/MyApps.dll" --flag</c> (double quotes group; no escapes).</summary>
    public static UserpodCommand Parse(string commandLine)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, any = false;
        foreach (var c in commandLine)
        {
            if (c == '"') { quoted = !quoted; any = true; }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any) { parts.Add(current.ToString()); current.Clear(); any = false; }
            }
            else { current.Append(c); any = true; }
        }
        if (quoted) throw new ArgumentException("unbalanced quote in userpod command");
        if (any) parts.Add(current.ToString());
        if (parts.Count == 0) throw new ArgumentException("empty userpod command");
        return new UserpodCommand(parts[0], parts.Skip(1).ToArray());
    }

    /// <summary>Start info with the router's arguments appended and the environment prepared.</summary>
    /// <param name="token">The userpod's own HTAG_TOKEN.</param>
    /// <param name="newSession">Detach from the router's process group (userpods meant to outlive it).</param>
    /// <param name="warmUp">A warm-pool userpod: it renders its apps once before announcing itself (HTAG_WARMUP).</param>
    public ProcessStartInfo ToStartInfo(string token, bool newSession, bool warmUp = false)
    {
        // setsid(1) execs in place (same pid) and detaches the userpod from the router's process group, so a
        // Ctrl+C aimed at the router does not also kill userpods that are meant to outlive it.
        var useSetsid = newSession && File.Exists("/usr/bin/setsid");
        var psi = new ProcessStartInfo(useSetsid ? "/usr/bin/setsid" : FileName)
        {
            UseShellExecute = false,
            // All three redirected: a userpod must not hold the router's own stdio open (a parent waiting for
            // the router's output to end would wait for every userpod the router left running).
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (useSetsid) psi.ArgumentList.Add(FileName);
        // The router's own settings (the OIDC client secret, the Redis address…) never reach a userpod: it gets an
        // allow-list of the router's variables, not the router's environment.
        foreach (var name in psi.Environment.Keys.ToList())
            if (!IsPassedOn(name)) psi.Environment.Remove(name);
        foreach (var a in Arguments) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add("http://127.0.0.1:0");
        psi.Environment[UserpodEnvironment.Token] = token;
        // The userpod stops when its stdin (a pipe this router holds) ends, unless released (UserpodProcess.KeepAfterRouterExitAsync).
        psi.Environment[UserpodEnvironment.Lifeline] = UserpodEnvironment.LifelineStdin;
        if (IdleTimeout is { } idle) psi.Environment[UserpodEnvironment.IdleTimeout] = Durations.ToSeconds(idle);
        else psi.Environment.Remove(UserpodEnvironment.IdleTimeout);
        // The userpod must listen where --urls says, not where the router's own environment points.
        psi.Environment.Remove("ASPNETCORE_URLS");
        psi.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        psi.Environment.Remove("ASPNETCORE_HTTPS_PORTS");
        psi.Environment["DOTNET_NOLOGO"] = "1";
        // A user waiting for a cold start must not wait for a warm-up too; the router's own setting never leaks in.
        if (warmUp) psi.Environment[UserpodEnvironment.WarmUp] = "1";
        else psi.Environment.Remove(UserpodEnvironment.WarmUp);
        // No appsettings file watchers: each costs an inotify instance (128 per user by default), so a few
        // hundred userpods would otherwise crash at start-up.
        psi.Environment["DOTNET_hostBuilder__reloadConfigOnChange"] = "false";
        // A 4 MB gen0 budget instead of one sized by the L3 cache: a long session's heap stays ~4 MB instead of
        // ~12 MB (docs/benchmarks.md, "gen0 budget"). Written without "0x": both runtimes read it as hex, but
        // NativeAOT ignores the prefixed form. An explicit setting in the router's environment wins.
        if (string.IsNullOrEmpty(psi.Environment.TryGetValue("DOTNET_GCgen0size", out var g0) ? g0 : null))
            psi.Environment["DOTNET_GCgen0size"] = "400000";
        return psi;
    }

    /// <summary>
    /// The router's variables a userpod inherits: the system's (PATH, HOME, locale, time zone, temp dir, CA bundle),
    /// the .NET runtime's (DOTNET_*, ASPNETCORE_ENVIRONMENT) and the app's own (HTAG_*). Never HTAGKUBE_* (the router's).
    /// </summary>
    public static bool IsPassedOn(string name) =>
        PassedOn.Contains(name) || name.StartsWith("LC_", StringComparison.Ordinal)
        || name.StartsWith("DOTNET_", StringComparison.Ordinal) || name.StartsWith("XDG_", StringComparison.Ordinal)
        || (name.StartsWith("HTAG_", StringComparison.Ordinal) && !name.StartsWith("HTAGKUBE_", StringComparison.Ordinal));

    static readonly HashSet<string> PassedOn = new(StringComparer.Ordinal)
    {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "ASPNETCORE_ENVIRONMENT", "NUGET_PACKAGES",
    };

    /// <inheritdoc />
    public override string ToString() => string.Join(' ', Arguments.Prepend(FileName));
}
