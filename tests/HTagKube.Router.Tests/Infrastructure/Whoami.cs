namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>The test userpod's /whoami answer: which process, its request counter, and whether it was started to warm up (HTAG_WARMUP).</summary>
public sealed record Whoami(int Pid, string Instance, int Count, long Total, bool WarmUp)
{
    public static async Task<Whoami> GetAsync(HttpClient client, CancellationToken ct = default)
    {
        var res = await client.GetAsync("whoami", ct);
        var text = await res.Content.ReadAsStringAsync(ct);
        if (!res.IsSuccessStatusCode) throw new HttpRequestException($"/whoami: {(int)res.StatusCode} {text}");
        return Parse(text);
    }

    /// <summary>Reads a /whoami answer.</summary>
    public static Whoami Parse(string text)
    {
        var parts = text.Split(' ').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return new Whoami(int.Parse(parts["pid"]), parts["instance"], int.Parse(parts["count"]), long.Parse(parts["total"]),
            parts.GetValueOrDefault("warmup") == "1");
    }
}
