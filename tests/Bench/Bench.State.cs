namespace HTagKube.Bench;

/// <summary>Scenario 5: what a durable session costs an interaction (issue #25), on the round-trip phase's router.</summary>
sealed partial class Bench
{
    /// <summary>A click whose handler changes State (the Counter keeps its count there) makes the userpod store the user's
    /// session through the router, beside its answer, and the next click waits for that write; a click that changes no
    /// state (/items/1 "Seen", a field) does not. Clicks follow each other at once (no think time): the worst case.</summary>
    const string PersistingApp = "/counter", NonPersistingApp = "/items/1";

    async Task PersistedRoundTripsAsync(Uri router, CancellationToken ct)
    {
        var cmd = o.Command("rtt");
        const string s5 = "5. durable state, round trip, 1 user";
        await using var persisting = new UserClient(router);
        await using var plain = new UserClient(router);
        await persisting.LoadPageAsync(PersistingApp, ct);
        await plain.LoadPageAsync(NonPersistingApp, ct);
        await persisting.ConnectAsync(ct);
        await plain.ConnectAsync(ct);
        (string Name, UserClient C)[] both = [("persisting", persisting), ("plain", plain)];
        foreach (var (_, c) in both)
            for (var i = 0; i < o.RttWarmup; i++) await c.ClickAsync(false, ct);
        // Interleaved blocks: drift in the machine's load hits both alike.
        var all = both.ToDictionary(x => x.Name, _ => new List<double>());
        for (var round = 0; round < o.RttRounds; round++)
            foreach (var (name, c) in both)
                for (var i = 0; i < o.RttPerRound; i++) all[name].Add(await c.ClickAsync(false, ct));
        var p = new Sample(all["persisting"]);
        var q = new Sample(all["plain"]);
        const string path = "router, clicks that change State (each stored before the next runs)";
        const string baseline = "same router, click that changes no state";
        _report.Add(new Row(s5, "p50", path, p.Median, "ms", baseline + " p50", q.Median, null, null, cmd));
        _report.Add(new Row(s5, "p95", path, p.P(95), "ms", baseline + " p95", q.P(95), null, null, cmd));
        _report.Add(new Row(s5, "p95 / non-persisting p95", path, Math.Round(p.P(95) / q.P(95), 2), "×", null, null, null, 2.0, cmd,
            $"{o.RttRounds} interleaved rounds of {o.RttPerRound} clicks each; {PersistingApp} vs {NonPersistingApp}; local mode, state in the router's memory"));
    }
}
