using System.Net;
using HTagKube.Api.V1Alpha1;
using HTagKube.Kubernetes;
using HTagKube.Operator.Tests.Infrastructure;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Operator.Tests.Kubernetes;

/// <summary>HTagSession through the client's custom-object API against the real API server (status subresource, schema, errors).</summary>
public sealed class HTagSessionApiTests(KubeFixture kube) : IClassFixture<KubeFixture>
{
    static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    HTagSession New(string name, string userKey) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = kube.Namespace },
        Spec = new HTagSessionSpec { UserKey = userKey, IdleTimeoutSeconds = 60 },
    };

    [ClusterFact]
    public async Task Status_subresource_round_trips_with_whole_second_times_and_ignores_spec()
    {
        var c = kube.Client;
        var created = New("hs-status", new string('a', 32));
        created.Spec.Resources = new SessionResources { Limits = new() { ["memory"] = "64Mi" } };
        created.Status = new HTagSessionStatus { Phase = SessionPhase.Ready }; // dropped by the server on create
        var s = await c.CreateSessionAsync(created, Ct);
        Assert.Null(s.Status?.Phase);
        Assert.Equal("64Mi", s.Spec.Resources!.Limits!["memory"]);

        var now = WholeSecondsTimeConverter.Truncate(DateTimeOffset.UtcNow);
        s.Status = new HTagSessionStatus
        {
            Phase = SessionPhase.Starting, PodName = "p", Restarts = 1, ReadySince = now,
            Conditions = [new SessionCondition { Type = "Ready", Status = "False", Reason = "PodStarting", LastTransitionTime = now }],
        };
        s.Spec.IdleTimeoutSeconds = 999; // ignored through /status
        var updated = await c.ReplaceSessionStatusAsync(s, Ct);
        Assert.Equal(SessionPhase.Starting, updated.Status!.Phase);
        Assert.Equal(60, updated.Spec.IdleTimeoutSeconds);
        Assert.Equal(now, updated.Status.ReadySince);
        Assert.Equal(now, updated.Status.Conditions![0].LastTransitionTime);

        // The stored form is what `kubectl get -o yaml` shows: RFC 3339, whole seconds, UTC.
        var raw = await k8s.CustomObjectsOperationsExtensions.GetNamespacedCustomObjectAsync(c.CustomObjects,
            HTagSession.Group, HTagSession.Version, kube.Namespace, HTagSession.Plural, "hs-status", Ct);
        Assert.Contains($"\"readySince\":\"{now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss}Z\"", raw.ToString());
    }

    [ClusterFact]
    public async Task Schema_is_enforced_and_errors_are_readable()
    {
        var c = kube.Client;
        await c.CreateSessionAsync(New("hs-errors", new string('b', 32)), Ct);
        var exists = await Assert.ThrowsAsync<HttpOperationException>(() => c.CreateSessionAsync(New("hs-errors", new string('b', 32)), Ct));
        Assert.True(exists.IsConflict());

        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => c.CreateSessionAsync(New("hs-bad", "NOT-A-KEY"), Ct));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, KubeErrors.StatusOf(bad));

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => c.ReadSessionAsync(kube.Namespace, "hs-none", Ct));
        Assert.True(missing.IsNotFound());
        Assert.False(await c.DeleteSessionAsync(kube.Namespace, "hs-none", null, Ct));
        Assert.True(await c.DeleteSessionAsync(kube.Namespace, "hs-errors", null, Ct));
    }
}
