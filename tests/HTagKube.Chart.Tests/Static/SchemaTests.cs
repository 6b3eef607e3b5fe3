using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Static;

/// <summary>A wrong value fails at install/template time with a message naming the value.</summary>
public sealed class SchemaTests
{
    public static TheoryData<string[], string> BadValues => new()
    {
        { ["sessions.idleTimeoutSeconds=5"], "sessions.idleTimeoutSeconds: Must be greater than or equal to 10" },
        { ["sessions.idleTimeoutSeconds=thirty"], "sessions.idleTimeoutSeconds: Invalid type. Expected: integer" },
        { ["sessions.maxSessions=0"], "sessions.maxSessions: Must be greater than or equal to 1" },
        { ["sessions.sessionsPerIpPerMinute=-1"], "sessions.sessionsPerIpPerMinute: Must be greater than or equal to 1" },
        { ["sessions.stateRetentionSeconds=0"], "sessions.stateRetentionSeconds: Must be greater than or equal to 10" },
        { ["sessions.upgradeStrategy=Never"], "sessions.upgradeStrategy: sessions.upgradeStrategy must be one of the following" },
        { ["sessions.stateMaxBytes=1023"], "sessions.stateMaxBytes: Must be greater than or equal to 1024" },
        { ["sessions.stateMaxBytes=1GB"], "sessions.stateMaxBytes: Invalid type. Expected: integer" },
        { ["router.replicas=0"], "router.replicas: Must be greater than or equal to 1" },
        { ["router.service.type=Public"], "router.service.type must be one of the following" },
        { ["router.image.pullPolicy=Sometimes"], "router.image.pullPolicy must be one of the following" },
        { ["userpod.resources.limits.memory=lots"], "userpod.resources.limits.memory: Does not match pattern" },
        { ["userpod.image.repository="], "userpod.image.repository: String length must be greater than or equal to 1" },
        { ["router.ingress.host=Not A Host"], "router.ingress.host: Does not match pattern" },
        { ["router.trustedProxies={10.0.0.0/8,ingress-nginx}"], "router.trustedProxies.1: Does not match pattern" },
        { ["routr.replicas=3"], "Additional property routr is not allowed" },
        { ["redis.persistance.enabled=true"], "Additional property persistance is not allowed" },
        { ["operator.replicas=9"], "operator.replicas: Must be less than or equal to 5" },
        { ["operator.leaderElection.enabled=false"], "Additional property leaderElection is not allowed" },
        // Combinations the schema cannot word well are checked by templates/checks.yaml.
        { ["warmPool.size=-1"], "warmPool.size: Must be greater than or equal to 0" },
        { ["warmPool.size=501"], "warmPool.size: Must be less than or equal to 500" },
        { ["warmPool.max=501"], "warmPool.max: Must be less than or equal to 500" },
        { ["warmPool.min=-1"], "warmPool.min: Must be greater than or equal to 0" },
        { ["warmPool.min=5", "warmPool.max=3"], "warmPool.max (3) must be at least warmPool.min (5)" },
        { ["warmPool.schedule={Mon 8am 40 30m}"], "warmPool.schedule.0: Does not match pattern" },
        { ["warmPool.schedule={Mon-Fri 08:55 40 30s}"], "warmPool.schedule.0: Does not match pattern" },
        { ["redis.enabled=false"], "set externalRedis.host" },
        { ["auth.oidc.enabled=true", "auth.oidc.clientId=htag"], "auth.oidc.enabled needs auth.oidc.authority, the provider's https:// issuer URL" },
        { ["auth.oidc.enabled=true", "auth.oidc.authority=http://idp.example.com", "auth.oidc.clientId=htag"], "the provider's https:// issuer URL" },
        { ["auth.oidc.enabled=true", "auth.oidc.authority=https://idp.example.com"], "auth.oidc.enabled needs auth.oidc.clientId" },
        { ["auth.oidc.scopes=profile email"], "auth.oidc.scopes: Does not match pattern" },
        { ["auth.oidc.loginLifetimeSeconds=5"], "auth.oidc.loginLifetimeSeconds: Must be greater than or equal to 60" },
        { ["router.ingress.enabled=true", "router.ingress.tls.enabled=true", "router.ingress.tls.secretName=x"], "router.ingress.tls.enabled needs router.ingress.host" },
        { ["router.ingress.enabled=true", "router.ingress.host=apps.example.com", "router.ingress.tls.enabled=true"], "needs router.ingress.tls.secretName" },
        { ["router.replicas=2", "router.podDisruptionBudget.minAvailable=2"], "minAvailable must be below router.replicas" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task Bad_value_is_rejected_with_a_clear_message(string[] sets, string message)
    {
        var r = await HelmChart.TemplateRawAsync(sets);
        Assert.False(r.Ok, $"--set {string.Join(" --set ", sets)} was accepted");
        Assert.Contains(message, r.StdErr);
    }

    [Fact]
    public async Task Sensible_overrides_are_accepted()
    {
        var r = await HelmChart.TemplateAsync(
            "sessions.idleTimeoutSeconds=600", "sessions.maxSessions=2000", "router.replicas=3",
            "userpod.resources.limits.cpu=0.25", "userpod.image.repository=registry.example.com/me/myapps",
            "userpod.image.tag=1.2.3", "router.service.type=NodePort", "router.service.nodePort=30080",
            "redis.persistence.enabled=true", "operator.replicas=2");
        Assert.NotEmpty(r.Objects);
    }
}
