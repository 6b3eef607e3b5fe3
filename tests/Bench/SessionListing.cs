using System.Text.Json;

namespace HTagKube.Bench;

/// <summary>The router's loopback-only session listing (<c>GET /_htagkube/sessions</c>): each session's userKey and userpod pid.</summary>
static class SessionListing
{
    /// <summary>The listed sessions of the router at <paramref name="router"/> (pid null for a session without one).</summary>
    public static async Task<List<(string UserKey, int? Pid)>> ReadAsync(HttpClient http, Uri router, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(router, "/_htagkube/sessions"), ct));
        return [.. doc.RootElement.EnumerateArray().Select(s => (s.GetProperty("userKey").GetString()!,
            s.GetProperty("pid").ValueKind == JsonValueKind.Number ? s.GetProperty("pid").GetInt32() : (int?)null))];
    }
}
