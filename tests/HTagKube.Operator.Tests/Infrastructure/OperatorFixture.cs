using HTagKube.Routing.Identity;
using HTagKube.Routing;
using HTagKube.Api.V1Alpha1;
using k8s.Models;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>Cluster namespace + a real redis-server + the userpod image + the operator program running against them.</summary>
public class OperatorFixture : KubeFixture
{
    public RedisServer Redis { get; private set; } = null!;
    public OperatorProcess Operator { get; private set; } = null!;
    public RedisRouteTable Routes { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        if (Cluster.MissingReason is not null) return;
        Redis = await RedisServer.StartAsync();
        Routes = await RedisRouteTable.ConnectAsync(Redis.Configuration);
        await Images.EnsureUserpodAsync();
        Operator = await OperatorProcess.StartAsync(Namespace, Redis.Configuration, OperatorArgs);
    }

    /// <summary>Extra operator flags of a derived fixture (e.g. <c>--warm-pool</c>).</summary>
    protected virtual string[] OperatorArgs => [];

    /// <summary>Stops the operator and starts it again, with <paramref name="extra"/> flags after the fixture's (as a
    /// <c>helm upgrade</c> changing its arguments would).</summary>
    public async Task RestartOperatorAsync(params string[] extra)
    {
        await Operator.DisposeAsync();
        Operator = await OperatorProcess.StartAsync(Namespace, Redis.Configuration, [.. OperatorArgs, .. extra]);
    }

    public HTagSession NewSession(int? idleSeconds = null, string? image = null)
    {
        var userKey = UserKey.FromUid(UserKey.NewUid());
        return new HTagSession
        {
            Metadata = new V1ObjectMeta { Name = SessionNames.ForUserKey(userKey), NamespaceProperty = Namespace, Labels = new Dictionary<string, string> { [HTagKube.Contract.KubernetesNames.UserLabel] = userKey } },
            Spec = new HTagSessionSpec { UserKey = userKey, IdleTimeoutSeconds = idleSeconds ?? 600, Image = image },
        };
    }

    public override async Task DisposeAsync()
    {
        if (Operator is not null) await Operator.DisposeAsync();
        await base.DisposeAsync(); // the namespace goes, and with it the sessions' pods and secrets
        if (Routes is not null) await Routes.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
    }
}
