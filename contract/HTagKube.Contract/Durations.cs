using System.Globalization;

namespace HTagKube.Contract;

/// <summary>
/// The one way durations are written to every program's flags and settings: plain seconds (<c>1800</c>, <c>0.5</c>),
/// or units <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c> (<c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>200ms</c>). The
/// .NET form <c>[d.]hh:mm:ss[.fff]</c> is still read, so flags written before this rule keep their meaning.
/// </summary>
public static class Durations
{
    /// <summary>Parses <paramref name="text"/>; a clear <see cref="FormatException"/> for anything else.</summary>
    public static TimeSpan Parse(string text)
    {
        if (TryParse(text, out var value)) return value;
        throw new FormatException(
            $"'{text}' is not a duration: write seconds (1800, 0.5) or units (30s, 5m, 1h30m, 200ms)");
    }

    /// <summary>Parses <paramref name="text"/> without throwing.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s) || s[0] == '-') return false;
        if (IsNumber(s)) return Seconds(s, 1, out value);
        if (s.Contains(':', StringComparison.Ordinal))
            return TimeSpan.TryParseExact(s, "c", CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
        return TryParseUnits(s, out value);
    }

    /// <summary>Plain seconds, as <see cref="Parse"/> reads them back and the userpod's second-valued settings take.</summary>
    public static string ToSeconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    static bool TryParseUnits(string s, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            var number = s[start..i];
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetterLower(s[i])) i++;
            var perUnit = s[unitStart..i] switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86400,
                _ => 0,
            };
            if (number.Length == 0 || perUnit == 0 || !Seconds(number, perUnit, out var part)) return false;
            value += part;
        }
        return true;
    }

    static bool IsNumber(string s) => s.All(c => char.IsAsciiDigit(c) || c == '.');

    static bool Seconds(string number, double perUnit, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
        var seconds = n * perUnit;
        if (double.IsInfinity(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
