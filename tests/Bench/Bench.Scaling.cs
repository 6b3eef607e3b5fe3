namespace HTagKube.Bench;

/// <summary>Diagnostic (<c>--only scaling</c>): closed-loop interactions/s through the router vs direct at 1, 2, 5, 10, 20 users.</summary>
sealed partial class Bench
{
    async Task ScalingAsync(CancellationToken ct)
    {
        var cmd = o.Command("scaling");
        var router = await StartRouterAsync(ct);
        var pods = new List<ServerProcess>();
        var clients = new List<UserClient>();
        try
        {
            var counts = new[] { 1, 2, 5, 10, 20 };
            var routerUsers = new List<UserClient>();
            var directUsers = new List<UserClient>();
            foreach (var n in counts)
            {
                while (routerUsers.Count < n)
                {
                    var c = new UserClient(router.BaseUri!);
                    await c.LoadPageAsync(App, ct); await c.ConnectAsync(ct);
                    routerUsers.Add(c); clients.Add(c);
                }
                while (directUsers.Count < n)
                {
                    var p = StartUserpod(); pods.Add(p);
                    var c = new UserClient(await p.WaitListeningAsync(ct), p.Token);
                    await c.LoadPageAsync(App, ct); await c.ConnectAsync(ct);
                    directUsers.Add(c); clients.Add(c);
                }
                var (rs, rr) = await ClosedLoopAsync([.. routerUsers], false, ct);
                var (ds, dr) = await ClosedLoopAsync([.. directUsers], false, ct);
                _report.Add(new Row("2b. scaling (diagnostic)", $"{n} users closed loop: interactions/s", "router", Math.Round(rr, 1), "1/s",
                    "direct userpods, same users", Math.Round(dr, 1), null, null, cmd, $"p50 router {rs.Median:0.###} ms vs direct {ds.Median:0.###} ms"));
            }
            // The same 20-user loop right after 20 users arrived at once, then again: does the router recover with time?
            var burst = Enumerable.Range(0, 20).Select(_ => new UserClient(router.BaseUri!)).ToArray();
            clients.AddRange(burst);
            await Task.WhenAll(burst.Select(c => c.LoadPageAsync(App, ct)));
            foreach (var c in burst) await c.ConnectAsync(ct);
            for (var i = 0; i < 4; i++)
            {
                var threads = File.ReadLines($"/proc/{router.Pid}/status").First(l => l.StartsWith("Threads:", StringComparison.Ordinal))[8..].Trim();
                var (bs, br) = await ClosedLoopAsync(burst, false, ct);
                _report.Add(new Row("2b. scaling (diagnostic)", $"20 users who arrived at once, loop {i + 1}: interactions/s", "router", Math.Round(br, 1), "1/s",
                    null, null, null, null, cmd, $"p50 {bs.Median:0.###} ms; router threads before the loop {threads}"));
            }
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
            await StopAsync([router, .. pods]);
        }
    }
}
