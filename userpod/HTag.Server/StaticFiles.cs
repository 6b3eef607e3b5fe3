using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace HTag;

/// <summary>
/// The web root (<see cref="HTagOptions.WebRoot"/>) served with ASP.NET Core's own static-file middleware: ETag and
/// Last-Modified with conditional requests, ranges, content types by extension (unknown ones are not served), no
/// directory listing, dot-files hidden. Its file provider refuses paths that leave the root (<c>..</c>, absolute);
/// <see cref="RootedFiles"/> adds the one case it does not cover, a symbolic link pointing outside the root.
/// </summary>
sealed class StaticFiles
{
    readonly StaticFileMiddleware _middleware;

    StaticFiles(string root, ILoggerFactory loggers)
    {
        var options = new StaticFileOptions
        {
            FileProvider = new RootedFiles(root),
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            // Revalidate every time (cheap with the ETag): a redeployed file is never served stale.
            OnPrepareResponse = c =>
            {
                c.Context.Response.Headers.CacheControl = "no-cache";
                c.Context.Response.Headers.XContentTypeOptions = "nosniff";
            },
        };
        _middleware = new StaticFileMiddleware(Endpoints.NotFoundAsync, new NoHostEnvironment(root),
            Microsoft.Extensions.Options.Options.Create(options), loggers);
    }

    /// <summary>The web root's server, or null when the folder does not exist (nothing to serve).</summary>
    public static StaticFiles? For(string? webRoot, ILoggerFactory loggers)
    {
        if (string.IsNullOrEmpty(webRoot)) return null;
        var full = Path.GetFullPath(webRoot, AppContext.BaseDirectory);
        return Directory.Exists(full) ? new StaticFiles(full, loggers) : null;
    }

    /// <summary>Serves the file at the request's path, or answers 404.</summary>
    public Task ServeAsync(HttpContext ctx) => _middleware.Invoke(ctx);

    /// <summary>The middleware wants a host environment only to find a default web root; ours is always given.</summary>
    sealed class NoHostEnvironment(string root) : IWebHostEnvironment
    {
        public string WebRootPath { get; set; } = root;
        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();
        public string EnvironmentName { get; set; } = "Production";
        public string ApplicationName { get; set; } = "HTag";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

/// <summary>
/// A physical file provider that also refuses files reached through a symbolic link (of the file or of a folder on
/// the way) ending outside the root: the plain provider follows such links.
/// </summary>
sealed class RootedFiles(string root) : IFileProvider
{
    readonly PhysicalFileProvider _inner = new(root);
    readonly string _realRoot = RealPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;

    public IFileInfo GetFileInfo(string subpath)
    {
        // Any segment starting with a dot is hidden (.git/, .hidden/): the plain provider checks only the file's own name.
        if (subpath.Split('/', '\\').Any(s => s.StartsWith('.'))) return new NotFoundFileInfo(subpath);
        var f = _inner.GetFileInfo(subpath);
        if (!f.Exists || f.PhysicalPath is not { } p) return f;
        try
        {
            var real = RealPath(p);
            if (!real.StartsWith(_realRoot, StringComparison.Ordinal)) return new NotFoundFileInfo(subpath);
            // A link inside the root: the target's own length and date (the provider would report the link's).
            return real == p ? f : new PhysicalFileInfo(new FileInfo(real));
        }
        catch (IOException) { return new NotFoundFileInfo(subpath); } // a link loop
    }

    // Never listed (no directory browsing), but the interface wants it.
    public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    /// <summary>The path with every symbolic link on it resolved (the C library's realpath, component by component).</summary>
    static string RealPath(string path, int depth = 0)
    {
        if (depth > 40) throw new IOException("too many levels of symbolic links");
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            var info = new FileInfo(next);
            // A link's target may itself go through linked folders: resolve it the same way.
            current = info.LinkTarget is null
                ? next
                : RealPath(info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? next, depth + 1);
        }
        return current;
    }
}
