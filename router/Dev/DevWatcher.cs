using System.Threading.Channels;

namespace HTagKube.Router.Dev;

/// <summary>
/// Watches the project's sources (code, project files, <c>wwwroot</c>; not <c>bin</c>/<c>obj</c>) and signals a change
/// once a burst of events has been quiet for <see cref="Quiet"/> (an editor's save is several events).
/// </summary>
public sealed class DevWatcher : IDisposable
{
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);
    static readonly string[] Extensions = [".cs", ".csproj", ".props", ".targets", ".json", ".config"];

    readonly FileSystemWatcher _fsw;
    readonly Channel<string> _events = Channel.CreateUnbounded<string>();

    /// <summary>Starts watching the folder.</summary>
    public DevWatcher(string dir)
    {
        _fsw = new FileSystemWatcher(dir)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _fsw.Changed += (_, e) => On(e.FullPath);
        _fsw.Created += (_, e) => On(e.FullPath);
        _fsw.Deleted += (_, e) => On(e.FullPath);
        _fsw.Renamed += (_, e) => { On(e.OldFullPath); On(e.FullPath); };
        _fsw.EnableRaisingEvents = true;
        Root = dir;
    }

    /// <summary>The watched folder.</summary>
    public string Root { get; }

    void On(string path)
    {
        if (Relevant(Root, path)) _events.Writer.TryWrite(path);
    }

    /// <summary>Whether a change to this path calls for a build.</summary>
    public static bool Relevant(string root, string path)
    {
        var rel = Path.GetRelativePath(root, path).Replace('\\', '/');
        var parts = rel.Split('/');
        if (parts.Any(p => p is "bin" or "obj" || p.StartsWith('.'))) return false;
        return parts[0] == "wwwroot" || Extensions.Contains(Path.GetExtension(rel), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Whether a change to this file needs a restore before the build (project and package files).</summary>
    public static bool ChangesRestore(string path) =>
        Path.GetExtension(path) is ".csproj" or ".props" or ".targets"
        || Path.GetFileName(path).Equals("nuget.config", StringComparison.OrdinalIgnoreCase);

    /// <summary>Waits for a change, then for the burst to end; returns the paths that changed.</summary>
    public async Task<IReadOnlyList<string>> NextAsync(CancellationToken ct)
    {
        var paths = new List<string> { await _events.Reader.ReadAsync(ct) };
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
            quiet.CancelAfter(Quiet);
            try { paths.Add(await _events.Reader.ReadAsync(quiet.Token)); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return paths.Distinct().ToList(); }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _fsw.Dispose();
}
