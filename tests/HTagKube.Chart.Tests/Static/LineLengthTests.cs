using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Static;

/// <summary>
/// The line limit of .editorconfig (<c>max_line_length = 140</c>), which no analyzer enforces, for the production code
/// that has adopted it. Add a folder here when its owner brings it under the limit.
/// </summary>
public sealed class LineLengthTests
{
    const int Limit = 140;

    [Theory]
    [InlineData("router")]
    [InlineData("contract")]
    [InlineData("operator")]
    [InlineData("userpod")]
    public void Production_lines_stay_within_the_limit(string folder)
    {
        var over = Directory.GetFiles(Path.Combine(Repo.Root, folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)
                && !f.Contains("/node_modules/", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line.Length)))
            .Where(x => x.Length > Limit)
            .Select(x => $"{Path.GetRelativePath(Repo.Root, x.f)}:{x.i + 1} ({x.Length})")
            .ToList();
        Assert.True(over.Count == 0, $"{over.Count} lines over {Limit} characters:\n" + string.Join('\n', over));
    }
}
