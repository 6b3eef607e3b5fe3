using System.Net;
using HTagKube.Api.V1Alpha1;
using HTagKube.Operator.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.EndToEnd;

/// <summary>
/// The operator and a router (Kubernetes mode) started while their Redis is down: both start, answer honestly meanwhile
/// (router /readyz 503, a new user a 503, nothing created), and work once Redis comes up: expiry events subscribed and
/// keyspace events enabled by both (the expiry path), and a new user's page served by its own pod.
/// </summary>
public sealed class RedisDownAtStartTests(KubeFixture kube, ITestOutputHelper output) : IClassFixture<KubeFixture>
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [ClusterFact]
    public async Task Operator_and_router_started_while_Redis_is_down_work_once_it_is_up()
    {
        await Images.EnsureUserpodAsync();
        var port = ServerProgram.FreePortBelowEphemeralRange(); // redis-server binds it much later
        var redis = $"127.0.0.1:{port},abortConnect=false";
        await using var op = await OperatorProcess.StartAsync(kube.Namespace, redis);
        await using var router = await RouterProcess.StartAsync(kube.Namespace, redis, TimeSpan.FromMinutes(10));
        RedisServer? server = null;
        try
        {
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = router.BaseAddress };
            using (var ready = await http.GetAsync("/readyz")) Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            using (var page = await http.GetAsync("/"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
                Assert.True(page.Headers.RetryAfter is not null, "a 503 without Retry-After");
            }
            Assert.Empty((await kube.Client.ListSessionsAsync(kube.Namespace, null, CancellationToken.None)).Items);
            Assert.False(op.HasExited, "the operator exited without Redis");

            server = await RedisServer.StartAsync(port);
            var expired = RedisChannel.Literal("__keyevent@0__:expired");
            await Eventually.True(async () =>
                (long)(await server.Client.GetServer(server.Client.GetEndPoints()[0]).ExecuteAsync("PUBSUB", "NUMSUB", (RedisValue)expired.ToString()))[1] == 2,
                Wait, "router and operator subscribed to expiry events");
            var events = (await server.Client.GetServer(server.Client.GetEndPoints()[0]).ConfigGetAsync("notify-keyspace-events")).Single().Value;
            Assert.Contains('E', events);
            Assert.True(events.Contains('x') || events.Contains('A'), $"expired events not enabled: '{events}'");

            await Eventually.True(async () => (await http.GetAsync("/readyz")).IsSuccessStatusCode, Wait, "router ready");
            // The same browser (cookie) asks until its session's pod serves it: the router's "starting" answers meanwhile.
            await Eventually.True(async () =>
            {
                using var page = await http.GetAsync("/");
                return page.StatusCode == HttpStatusCode.OK && (await page.Content.ReadAsStringAsync()).Contains("htag", StringComparison.OrdinalIgnoreCase);
            }, Wait, "the new user's page served");
            var session = Assert.Single((await kube.Client.ListSessionsAsync(kube.Namespace, null, CancellationToken.None)).Items);
            Assert.Equal(SessionPhase.Ready, session.Status?.Phase);
            Assert.Equal(session.Status!.PodIP + ":8080", (string?)await server.Client.GetDatabase().HashGetAsync("htagkube:route:" + session.Spec.UserKey, "endpoint"));
        }
        finally
        {
            foreach (var line in op.Log.TakeLast(30)) output.WriteLine("operator| " + line);
            foreach (var line in router.Log.TakeLast(30)) output.WriteLine("router| " + line);
            if (server is not null) await server.DisposeAsync();
        }
    }
}
