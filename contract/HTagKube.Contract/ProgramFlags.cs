using System.Globalization;

namespace HTagKube.Contract;

/// <summary>How a flag's value is read.</summary>
public enum FlagKind
{
    /// <summary>Bound as is (numbers, strings).</summary>
    Value,

    /// <summary>A duration in the contract's one format (<see cref="Durations"/>): seconds, or 30s / 5m / 1h30m.</summary>
    Duration,

    /// <summary>A switch: bare means true; <c>true</c>/<c>false</c> may follow.</summary>
    Switch,
}

/// <summary>One command-line flag of a program and the configuration key it fills.</summary>
/// <param name="Name">The flag, e.g. <c>--idle-timeout</c>.</param>
/// <param name="Key">The configuration key, e.g. <c>Router:IdleTimeout</c>.</param>
/// <param name="Kind">How its value is read.</param>
public sealed record ProgramFlag(string Name, string Key, FlagKind Kind = FlagKind.Value);

/// <summary>
/// A program's flags (router, operator) in one table, and the one way they are read: flags → configuration keys,
/// bare switches, and durations in the <see cref="Durations"/> format wherever they come from (flag, environment,
/// settings file). The chart's tests check the chart's arguments against these tables.
/// </summary>
public sealed class ProgramFlags
{
    /// <summary>The table.</summary>
    public ProgramFlags(IReadOnlyList<ProgramFlag> flags)
    {
        All = flags;
        SwitchMappings = flags.ToDictionary(f => f.Name, f => f.Key, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every flag of the program.</summary>
    public IReadOnlyList<ProgramFlag> All { get; }

    /// <summary>Flags → configuration keys, for the command-line configuration provider.</summary>
    public Dictionary<string, string> SwitchMappings { get; }

    /// <summary>The flag called <paramref name="name"/>, or null.</summary>
    public ProgramFlag? Find(string name) => All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Turns bare switches (<c>--kubernetes</c>) into <c>--kubernetes=true</c> for the configuration parser.</summary>
    public string[] Normalize(string[] args)
    {
        var list = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var nextIsValue = i + 1 < args.Length && args[i + 1] is "true" or "false";
            list.Add(Find(args[i])?.Kind == FlagKind.Switch && !nextIsValue ? args[i] + "=true" : args[i]);
        }
        return [.. list];
    }

    /// <summary>
    /// Rewrites every duration setting present (through <paramref name="read"/> and <paramref name="write"/>, e.g. a
    /// configuration's indexer) in the form the configuration binder reads into a TimeSpan. A value that is no duration
    /// is an <see cref="ArgumentException"/> naming its flag: the binder alone would read <c>1800</c> as 1800 days.
    /// </summary>
    public void ReadDurations(Func<string, string?> read, Action<string, string> write)
    {
        foreach (var flag in All.Where(f => f.Kind == FlagKind.Duration))
        {
            if (read(flag.Key) is not { } raw) continue;
            if (!Durations.TryParse(raw, out var value))
                throw new ArgumentException($"{flag.Name}: '{raw}' is not a duration (seconds, or 30s / 5m / 1h30m)");
            write(flag.Key, value.ToString("c", CultureInfo.InvariantCulture));
        }
    }
}
