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
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
            await StopAsync([router, .. pods]);
        }
    }
}
