using System.Globalization;

namespace HTagKube.Router.Tests.WarmPool;

/// <summary>Reads one unlabelled sample from a router's Prometheus text.</summary>
public static class MetricsText
{
    public static async Task<double> ReadAsync(Uri router, string name)
    {
        using var http = new HttpClient { BaseAddress = router, Timeout = TimeSpan.FromSeconds(10) };
        return Value(await http.GetStringAsync("metrics"), name);
    }

    public static double Value(string text, string name)
    {
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
                return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
        throw new KeyNotFoundException($"metric {name} not exported");
    }
}
