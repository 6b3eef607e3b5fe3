namespace HTagKube.Router.Dev;

/// <summary>
/// <c>--dev &lt;project&gt;</c> (<c>make dev APP=…</c>): the router serves an app author's project as production does (one
/// userpod per browser), rebuilt on every save. The userpod command becomes <c>dotnet {Current}/{Assembly}.dll</c>, where
/// <see cref="Current"/> is a symbolic link the loop points at each successful build's own output folder.
/// </summary>
public sealed class DevMode
{
    /// <summary>The router's flag.</summary>
    public const string Flag = "--dev";

    /// <summary>The project file (<c>*.csproj</c>).</summary>
    public string Project { get; }

    /// <summary>The project's folder, watched for changes.</summary>
    public string ProjectDir { get; }

    /// <summary>The builds' parent folder (one sub-folder per build, deleted at the router's stop).</summary>
    public string Work { get; }

    /// <summary>The link to the last good build (what new userpods start from).</summary>
    public string Current => Path.Combine(Work, "current");

    /// <summary>The program's assembly file name (the project file's name, as the SDK names it by default).</summary>
    public string Assembly => Path.GetFileNameWithoutExtension(Project) + ".dll";

    DevMode(string project)
    {
        Project = project;
        ProjectDir = Path.GetDirectoryName(project)!;
        Work = Directory.CreateTempSubdirectory("htagkube-dev-").FullName;
    }

    /// <summary>
    /// Takes <c>--dev &lt;project&gt;</c> out of the command line and puts in what dev mode means for the router: the
    /// userpod command of the current build, no warm pool (a warm userpod would be of an older build), HTAG_DEBUG=1 for
    /// every userpod (stack traces and the error overlay in the page). Null without the flag.
    /// </summary>
    /// <exception cref="ArgumentException">No project at the given path (a clear message; nothing started).</exception>
    public static DevMode? Take(ref string[] args)
    {
        var i = Array.FindIndex(args, a => a == Flag || a.StartsWith(Flag + "=", StringComparison.Ordinal));
        if (i < 0) return null;
        string value;
        var rest = args.ToList();
        if (args[i].Length > Flag.Length) { value = args[i][(Flag.Length + 1)..]; rest.RemoveAt(i); }
        else
        {
            if (i + 1 >= args.Length) throw new ArgumentException($"{Flag} needs a project folder or .csproj file");
            value = args[i + 1];
            rest.RemoveRange(i, 2);
        }
        var dev = new DevMode(FindProject(value));
        Environment.SetEnvironmentVariable("HTAG_DEBUG", "1"); // inherited by every userpod the router starts
        rest.AddRange(["--userpod-command", $"dotnet \"{Path.Combine(dev.Current, dev.Assembly)}\"", "--warm-pool", "0"]);
        args = [.. rest];
        return dev;
    }

    static string FindProject(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full) && full.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)) return full;
        if (Directory.Exists(full))
        {
            var found = Directory.GetFiles(full, "*.csproj");
            if (found.Length == 1) return found[0];
            throw new ArgumentException(found.Length == 0
                ? $"{Flag}: no .csproj in {full}"
                : $"{Flag}: several projects in {full}; name one: {string.Join(", ", found.Select(Path.GetFileName))}");
        }
        throw new ArgumentException($"{Flag}: {full} is neither a folder nor a .csproj file");
    }
}
