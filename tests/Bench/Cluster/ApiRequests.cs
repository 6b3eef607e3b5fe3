using System.Globalization;
using System.Text.RegularExpressions;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// The API server's own request counter (<c>apiserver_request_total</c> from its /metrics), by verb and resource:
/// read before and after a scenario, the difference is what every client (operator, routers, kubelet, controllers) asked
/// of it meanwhile. The counter has no client label, so a quiet window of the same length just before measures the
/// background (leases, node status, other tenants of a shared cluster) to subtract.
/// </summary>
sealed partial class ApiRequests
{
    readonly Dictionary<string, double> _counts;
    ApiRequests(Dictionary<string, double> counts) => _counts = counts;

    public static async Task<ApiRequests> ReadAsync(CancellationToken ct)
    {
        var text = await Shell.KubectlAsync(ct, "get", "--raw", "/metrics");
        var counts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("apiserver_request_total{", StringComparison.Ordinal)) continue;
            var m = Metric().Match(line);
            if (!m.Success) continue;
            var labels = Labels().Matches(m.Groups[1].Value).ToDictionary(x => x.Groups[1].Value, x => x.Groups[2].Value);
            var resource = labels.GetValueOrDefault("resource", "");
            if (labels.GetValueOrDefault("subresource") is { Length: > 0 } sub) resource += "/" + sub;
            var key = labels.GetValueOrDefault("verb", "?") + " " + resource;
            counts[key] = counts.GetValueOrDefault(key) + double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        return new ApiRequests(counts);
    }

    /// <summary>Requests per "VERB resource[/subresource]" between <paramref name="before"/> and this reading.</summary>
    public Dictionary<string, double> Since(ApiRequests before) =>
        _counts.Select(kv => (kv.Key, Value: kv.Value - before._counts.GetValueOrDefault(kv.Key)))
            .Where(x => x.Value > 0).ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);

    [GeneratedRegex(@"^apiserver_request_total\{(.*)\}\s+([0-9.eE+-]+)$")]
    private static partial Regex Metric();
    [GeneratedRegex("(\\w+)=\"([^\"]*)\"")]
    private static partial Regex Labels();
}
