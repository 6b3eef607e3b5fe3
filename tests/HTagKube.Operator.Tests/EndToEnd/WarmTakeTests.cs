using HTagKube.Api.V1Alpha1;
using HTagKube.Contract;
using k8s;
using HTagKube.Operator.Tests.Infrastructure;
using HTagKube.Operator.Warm;
using HTagKube.Routing;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.EndToEnd;

/// <summary>Kubernetes mode with a warm pool of 2: operator, router (--kubernetes), Redis and Chromium.</summary>
public sealed class WarmTakeFixture : OperatorFixture
{
    public RouterProcess Router { get; private set; } = null!;
    public Browser Browser { get; private set; } = null!;

    protected override string[] OperatorArgs => ["--warm-pool", "2"];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        if (Cluster.MissingReason is not null) return;
        Router = await RouterProcess.StartAsync(Namespace, Redis.Configuration, TimeSpan.FromMinutes(10));
        Browser = await Infrastructure.Browser.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        if (Router is not null) await Router.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// A new user's router takes a warm pod the operator offers and routes the user to it before the operator's claim
/// (issue 26: a rush's first pages waited for the operator's API writes); the operator then hands that pod to the session.
/// </summary>
public sealed class WarmTakeTests(WarmTakeFixture f, ITestOutputHelper output) : IClassFixture<WarmTakeFixture>, IDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(150)).Token;

    public void Dispose()
    {
        if (f.Operator is null) return;
        foreach (var line in f.Operator.Log.TakeLast(30)) output.WriteLine("operator| " + line);
        foreach (var line in f.Router.Log.TakeLast(30)) output.WriteLine("router| " + line);
    }

    [ClusterFact]
    public async Task A_new_user_is_routed_to_an_offered_warm_pod_which_the_operator_then_hands_to_their_session()
    {
        var offers = new WarmPodOffers(f.Routes.Connection);
        var offered = await Eventually.Value(async () =>
        {
            var now = await offers.OfferedAsync(Ct);
            return now.Count == 2 ? now : null;
        }, Wait, "2 warm pods offered");

        var user = await f.Browser.NewUserAsync();
        await Counter.OpenAsync(user, f.Router.BaseAddress);
        await Counter.ClickAsync(user, 1);

        var session = Assert.Single((await f.Client.ListSessionsAsync(f.Namespace, null, Ct)).Items);
        string? pod = null;
        Assert.True(session.Metadata.Annotations?.TryGetValue(KubernetesNames.WarmPodAnnotation, out pod), "the session names its warm pod");
        Assert.Contains(pod!, offered);
        Assert.Contains(f.Router.Log, l => l.Contains($"routed to warm pod {pod}", StringComparison.Ordinal));
        var ready = await Eventually.Value(async () =>
        {
            var s = await f.Client.ReadSessionAsync(f.Namespace, session.Metadata.Name!, Ct);
            return s.Status?.Phase == SessionPhase.Ready ? s : null;
        }, Wait, "the session Ready");
        Assert.Equal(pod, ready.Status!.PodName);
        var claimed = await f.Client.CoreV1.ReadNamespacedPodAsync(pod!, f.Namespace, cancellationToken: Ct);
        Assert.Equal(WarmPodManifests.Claimed, claimed.Metadata.Labels![WarmPodManifests.WarmLabel]);
        Assert.Equal(session.Metadata.Uid, Assert.Single(claimed.Metadata.OwnerReferences!).Uid);
        await Counter.ClickAsync(user, 2); // the same pod: the count goes on
        Assert.DoesNotContain(pod!, await offers.OfferedAsync(Ct));
    }
}
