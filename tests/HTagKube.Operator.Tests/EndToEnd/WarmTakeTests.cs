using HTagKube.Api.V1Alpha1;
using HTagKube.Contract;
using k8s;
using HTagKube.Operator.Tests.Infrastructure;
using HTagKube.Operator.Warm;
using HTagKube.Router.Provisioning;
using HTagKube.Routing.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using HTagKube.Routing;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.EndToEnd;

/// <summary>Kubernetes mode with a warm pool of 2: operator, router (--kubernetes), Redis and Chromium.</summary>
public sealed class WarmTakeFixture : KubernetesModeFixture
{
    protected override string[] OperatorArgs => ["--warm-pool", "2"];
}

/// <summary>
/// A new user's router takes a warm pod the operator offers and routes the user to it before the operator's claim
/// (issue 26: a rush's first pages waited for the operator's API writes); the operator then hands that pod to the session.
/// </summary>
[TestCaseOrderer("HTagKube.Operator.Tests.Infrastructure.DeclarationOrderer", "HTagKube.Operator.Tests")]
public sealed class WarmTakeTests(WarmTakeFixture f, ITestOutputHelper output) : IClassFixture<WarmTakeFixture>, IDisposable
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(150)).Token;

    public void Dispose() => f.WriteLogs(output);

    /// <summary>The pool's 2 pods offered (again, after a claim: the refill's pod once Ready).</summary>
    static async Task<IReadOnlySet<string>> FullOffersAsync(WarmPodOffers offers) => await Eventually.Value(async () =>
    {
        var now = await offers.OfferedAsync(Ct);
        return now.Count == 2 ? now : null;
    }, Wait, "2 warm pods offered");

    [ClusterFact]
    public async Task A_new_user_is_routed_to_an_offered_warm_pod_which_the_operator_then_hands_to_their_session()
    {
        var offers = new WarmPodOffers(f.Routes.Connection);
        var offered = await FullOffersAsync(offers);

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

    [ClusterFact]
    public async Task The_router_answers_with_a_taken_pods_route_only_once_the_HTagSession_naming_it_is_created()
    {
        var offers = new WarmPodOffers(f.Routes.Connection);
        var offered = await FullOffersAsync(offers);
        await using var router = new KubernetesSessionProvisioner(f.Client, f.Routes,
            new KubernetesProvisionerOptions { Namespace = f.Namespace, IdleTimeout = TimeSpan.FromMinutes(5) },
            NullLogger<KubernetesSessionProvisioner>.Instance, new WarmPodTaker(offers, f.Routes));
        var userKey = UserKey.FromUid(UserKey.NewUid());

        var route = await router.EnsureSessionAsync(userKey, "Alice Example", Ct);

        // Created before the route: its answer is back when the route is.
        var session = await f.Client.ReadSessionAsync(f.Namespace, SessionNames.ForUserKey(userKey), Ct);
        var pod = session.Metadata.Annotations![KubernetesNames.WarmPodAnnotation];
        Assert.Contains(pod, offered);
        Assert.Equal("Alice Example", session.Spec.DisplayName);
        var ready = await Eventually.Value(async () =>
        {
            var s = await f.Client.ReadSessionAsync(f.Namespace, session.Metadata.Name!, Ct);
            return s.Status?.Phase == SessionPhase.Ready ? s : null;
        }, Wait, "the session Ready");
        Assert.Equal(pod, ready.Status!.PodName);
        Assert.Equal(route.Endpoint, (await f.Routes.GetAsync(userKey, Ct))!.Endpoint);
    }
}
