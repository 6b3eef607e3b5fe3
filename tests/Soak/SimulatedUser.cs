using System.Diagnostics;
using System.Text.Json;
using HTagKube.Bench;

namespace HTagKube.Soak;

/// <summary>
/// One simulated user of the Counter app: arrives, loads the page and clicks over the WebSocket (every click's update
/// must show the next count), then leaves for good, or comes back with its cookie after a short absence (its count
/// must be kept), after a long one (its session expired and its userpod stopped: the count comes back from the durable
/// state, #25) or after a longer one than the state's retention (forgotten: the count starts again at 0). Bounded in
/// visits and clicks.
/// </summary>
sealed class SimulatedUser(int id, Uri router, SoakOptions o, Random rng, ErrorTally errors, SoakCounters counters)
{
    const int MaxVisits = 200;
    static readonly TimeSpan ClickTimeout = TimeSpan.FromSeconds(30);

    public async Task RunAsync(TimeSpan arrival, DateTime endAt, CancellationToken ct)
    {
        await Task.Delay(arrival, ct); // the user's arrival time in the scenario
        await using var client = new UserClient(router) { KeepUpdates = true };
        Interlocked.Increment(ref counters.Arrived);
        var expected = 0;
        for (var visit = 0; visit < MaxVisits && DateTime.UtcNow < endAt; visit++)
        {
            try
            {
                expected = await VisitAsync(client, expected, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                errors.Add(e);
                return; // this user gives up; the run goes on
            }
            finally
            {
                await client.CloseSocketAsync();
            }
            var next = rng.NextDouble();
            TimeSpan absence;
            if (next < 0.15) { Interlocked.Increment(ref counters.Left); return; } // gone for good: its session expires
            if (next < 0.35)
            {
                // Long enough for the route to expire (its TTL is the idle timeout, touched at most idle/4 before the
                // last activity) and the router to notice (1 s sweep), with room for a loaded machine; well inside the
                // state's lifetime (idle timeout + retention after the last activity).
                absence = o.IdleTimeout + TimeSpan.FromSeconds(10 + rng.Next(10));
                Interlocked.Increment(ref counters.ReturnsAfterExpiry);
            }
            else if (next < 0.45)
            {
                // Past the state's lifetime even counted from the userpod's last write (it may live the idle timeout).
                absence = 2 * o.IdleTimeout + o.StateRetention + TimeSpan.FromSeconds(10 + rng.Next(10));
                expected = 0;
                Interlocked.Increment(ref counters.ReturnsForgotten);
            }
            else
            {
                // Well inside the idle timeout: the session must still be there.
                absence = TimeSpan.FromMilliseconds(rng.Next(1000, (int)(o.IdleTimeout.TotalMilliseconds / 3)));
                Interlocked.Increment(ref counters.ReturnsWithin);
            }
            if (DateTime.UtcNow + absence > endAt) { Interlocked.Increment(ref counters.Left); return; }
            await Task.Delay(absence, ct); // the user is away
        }
    }

    async Task<int> VisitAsync(UserClient client, int expected, CancellationToken ct)
    {
        await LoadPageAsync(client, ct);
        var shown = UserClient.CountIn(client.LastPage!) ?? throw new StateLostException("page without a count", Truncate(client.LastPage!));
        if (shown != expected)
            throw new StateLostException(expected == 0 ? "state kept after its retention" : "state lost (page count)",
                $"user {id}: page shows {shown}, expected {expected}");
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            cts.CancelAfter(ClickTimeout);
            await client.ConnectAsync(cts.Token);
        }
        Interlocked.Increment(ref counters.Visits);
        var clicks = rng.Next(3, 11);
        for (var c = 0; c < clicks; c++)
        {
            await Task.Delay(rng.Next(200, 1500), ct); // think time between clicks
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(ClickTimeout);
            var ms = await client.ClickAsync(echo: false, cts.Token);
            counters.RecordClick(ms);
            var now = UpdatedCount(client.LastUpdate!);
            if (now != expected + 1)
                throw new StateLostException("state lost (click result)", $"user {id}: click {expected + 1} answered {now?.ToString() ?? "no count"}: {Truncate(client.LastUpdate!)}");
            expected++;
        }
        return expected;
    }

    /// <summary>GET the page; a 503 "starting" answer (a userpod start on a busy machine) is retried after a pause.</summary>
    async Task LoadPageAsync(UserClient client, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var ms = await client.LoadPageAsync("/counter", ct);
                counters.RecordPage(ms);
                return;
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("GET /counter: 503", StringComparison.Ordinal) && attempt < 10)
            {
                errors.Add("page 503 while the userpod starts (retried)", expected: true);
                await Task.Delay(TimeSpan.FromSeconds(2), ct); // as the starting page's Retry-After
            }
        }
    }

    /// <summary>The count in an update message (element id → new outerHTML, JSON-escaped).</summary>
    static int? UpdatedCount(string message)
    {
        using var doc = JsonDocument.Parse(message);
        if (!doc.RootElement.TryGetProperty("update", out var update)) return null;
        foreach (var el in update.EnumerateObject())
            if (el.Value.GetString() is { } html && UserClient.CountIn(html) is { } n) return n;
        return null;
    }

    static string Truncate(string s) => s.Length > 200 ? s[..200] + "…" : s;
}
