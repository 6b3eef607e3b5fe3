using System.Net;
using HTagKube.Routing.Identity;
using HTagKube.Api.V1Alpha1;
using k8s;
using k8s.Models;
using HTagKube.Operator.Tests.Infrastructure;
using HTagKube.Router.Provisioning;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Router;

/// <summary>The router's Kubernetes provisioner with the real operator, cluster and Redis.</summary>
public sealed class KubernetesProvisionerTests(OperatorFixture f, ITestOutputHelper output) : IClassFixture<OperatorFixture>, IDisposable
{
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    public void Dispose()
    {
        if (f.Operator is null) return;
        foreach (var line in f.Operator.Log.TakeLast(40)) output.WriteLine(line);
    }

    KubernetesSessionProvisioner Provisioner(string? ns = null, TimeSpan? startTimeout = null) => new(
        f.Client, f.Routes,
        new KubernetesProvisionerOptions { Namespace = ns ?? f.Namespace, IdleTimeout = TimeSpan.FromMinutes(5), StartTimeout = startTimeout ?? TimeSpan.FromSeconds(90) },
        NullLogger<KubernetesSessionProvisioner>.Instance);

    [ClusterFact]
    public async Task Two_users_get_one_session_each_even_with_concurrent_first_requests()
    {
        await using var p = Provisioner();
        var a = UserKey.FromUid(UserKey.NewUid());
        var b = UserKey.FromUid(UserKey.NewUid());
        var calls = new[] { p.EnsureSessionAsync(a, Ct), p.EnsureSessionAsync(a, Ct), p.EnsureSessionAsync(b, Ct), p.EnsureSessionAsync(a, Ct) };
        var routes = await Task.WhenAll(calls);
        Assert.Single(routes.Where((_, i) => i != 2).Select(r => r.Endpoint).Distinct());
        Assert.NotEqual(routes[0].Endpoint, routes[2].Endpoint);
        Assert.False(p.IsStarting(a));
        Assert.Equal(2, p.LiveSessions);

        var sessions = (await f.Client.ListSessionsAsync(f.Namespace, null, Ct)).Items;
        foreach (var (key, route) in new[] { (a, routes[0]), (b, routes[2]) })
        {
            var s = Assert.Single(sessions, s => s.Spec.UserKey == key);
            Assert.Equal(SessionNames.ForUserKey(key), s.Metadata.Name);
            Assert.Equal(300, s.Spec.IdleTimeoutSeconds);
            Assert.Equal(s.Metadata.Name, route.Session);
            // Each route reaches its own user's pod, with its own token.
            using var http = new HttpClient();
            using var req = new HttpRequestMessage(HttpMethod.Get, $"http://{route.Endpoint}/");
            req.Headers.Add("X-HTag-Token", route.Token);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(req, Ct)).StatusCode);
        }
        // A second router (new provisioner) finds the existing route without creating anything.
        await using var other = Provisioner();
        Assert.Equal(routes[0], await other.EnsureSessionAsync(a, Ct));
    }

    [ClusterFact]
    public async Task A_signed_in_persons_display_name_goes_to_the_session_and_its_status_for_kubectl()
    {
        await using var p = Provisioner();
        var key = UserKey.FromIdentity("https://idp.example.com", "subject-" + Guid.NewGuid().ToString("N"));
        await p.EnsureSessionAsync(key, "Alice\u0007 Example", Ct);
        var name = SessionNames.ForUserKey(key);
        var s = await f.Client.ReadSessionAsync(f.Namespace, name, Ct);
        Assert.Equal("Alice Example", s.Spec.DisplayName); // control characters dropped
        await Eventually.True(async () => (await f.Client.ReadSessionAsync(f.Namespace, name, Ct)).Status?.DisplayName == "Alice Example",
            TimeSpan.FromSeconds(60), "the operator copied the display name to status");
        Assert.True(await p.EndSessionAsync(key, Ct));
    }

    [ClusterFact]
    public async Task An_existing_session_409_is_waited_for_not_duplicated()
    {
        var s = f.NewSession();
        await f.Client.CreateSessionAsync(s, Ct);
        await using var p = Provisioner();
        var route = await p.EnsureSessionAsync(s.Spec.UserKey, Ct);
        Assert.Equal(s.Metadata.Name, route.Session);
        var all = await f.Client.ListSessionsAsync(f.Namespace, $"htagkube.io/user={s.Spec.UserKey}", Ct);
        Assert.Single(all.Items);
        // Ending the session deletes the resource (the operator then clears the route).
        Assert.True(await p.EndSessionAsync(s.Spec.UserKey, Ct));
        await Eventually.True(async () => await f.Routes.GetAsync(s.Spec.UserKey, Ct) is null, TimeSpan.FromSeconds(30), "route cleared by the finalizer");
    }

    [ClusterFact]
    public async Task A_session_of_that_name_for_another_user_is_refused_not_shared()
    {
        // Names carry a userKey's first 20 characters: another key with the same start meets the 409 of the create.
        var theirs = f.NewSession();
        await f.Client.CreateSessionAsync(theirs, Ct);
        var mine = theirs.Spec.UserKey[..20] + new string([.. theirs.Spec.UserKey[20..].Select(c => c == '0' ? '1' : '0')]);
        await using var p = Provisioner();
        var e = await Assert.ThrowsAsync<ProvisioningException>(() => p.EnsureSessionAsync(mine, Ct));
        Assert.Contains("another userKey", e.Message, StringComparison.Ordinal);
        Assert.Equal(theirs.Spec.UserKey, (await f.Client.ReadSessionAsync(f.Namespace, theirs.Metadata.Name, Ct)).Spec.UserKey);
    }

    [ClusterFact]
    public async Task Without_an_operator_the_start_fails_with_a_clear_error_after_its_timeout()
    {
        var ns = new V1Namespace { Metadata = new V1ObjectMeta { Name = f.Namespace + "-noop" } };
        await f.Client.CoreV1.CreateNamespaceAsync(ns, cancellationToken: Ct);
        try
        {
            await using var p = Provisioner(ns.Metadata.Name, TimeSpan.FromSeconds(2));
            var key = UserKey.FromUid(UserKey.NewUid());
            var e = await Assert.ThrowsAsync<ProvisioningException>(() => p.EnsureSessionAsync(key, Ct));
            Assert.Contains("not ready within 2s", e.Message);
            Assert.DoesNotContain(key, e.Message); // only the session name (a userKey prefix), never more
            Assert.False(p.IsStarting(key));
            // The operator's finalizer came with the create (no operator here to add it): its runtime skips that write.
            var session = await f.Client.ReadSessionAsync(ns.Metadata.Name, SessionNames.ForUserKey(key), Ct);
            Assert.Equal([HTagKube.Contract.KubernetesNames.RouteFinalizer], session.Metadata.Finalizers);
        }
        finally
        {
            // No operator removes that finalizer here: the namespace could not go with the session in it.
            await KubeFixture.DropSessionFinalizersAsync(f.Client, ns.Metadata.Name, CancellationToken.None);
            await f.Client.CoreV1.DeleteNamespaceAsync(ns.Metadata.Name, cancellationToken: CancellationToken.None);
        }
    }
}
