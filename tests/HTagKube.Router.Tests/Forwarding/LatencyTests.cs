using System.Diagnostics;
using HTagKube.Api.Identity;
using HTagKube.Router.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HTagKube.Router.Tests.Forwarding;

/// <summary>The router's added latency per proxied request (direct to the userpod vs through the router).</summary>
public sealed class LatencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_router_adds_well_under_a_millisecond_at_the_median()
    {
        await using var router = await RouterHost.StartAsync();
        var uid = UserKey.NewUid();
        using var viaRouter = router.ClientWithUid(uid);
        await Whoami.GetAsync(viaRouter);
        var route = router.Provisioner.Find(UserKey.FromUid(uid))!.Route;
        using var direct = new HttpClient { BaseAddress = new Uri($"http://{route.Endpoint}/") };
        direct.DefaultRequestHeaders.Add("X-HTag-Token", route.Token);

        const int n = 2000;
        var d = await MeasureAsync(direct, n);
        var r = await MeasureAsync(viaRouter, n);
        var added50 = r[n / 2] - d[n / 2];
        var added90 = r[n * 9 / 10] - d[n * 9 / 10];
        output.WriteLine($"direct p50 {d[n / 2]:F3} ms p90 {d[n * 9 / 10]:F3} ms; via router p50 {r[n / 2]:F3} ms p90 {r[n * 9 / 10]:F3} ms; added p50 {added50:F3} ms p90 {added90:F3} ms");
        // Loose bound (shared 2-core CI): catches a per-request table round trip, spawn or buffering, not noise.
        Assert.True(added50 < 1.0, $"router adds {added50:F3} ms at p50");
    }

    static async Task<double[]> MeasureAsync(HttpClient client, int n)
    {
        for (var i = 0; i < 200; i++) await client.GetStringAsync("status/200"); // warm up JIT and pools
        var times = new double[n];
        for (var i = 0; i < n; i++)
        {
            var t = Stopwatch.GetTimestamp();
            using var res = await client.GetAsync("status/200");
            await res.Content.ReadAsByteArrayAsync();
            times[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        Array.Sort(times);
        return times;
    }
}
