using System.Text;
using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Static;

/// <summary>In-chart Redis (password Secret, keyspace events, persistence) or an external one.</summary>
public sealed class RedisTests
{
    [Fact]
    public async Task In_chart_redis_takes_its_password_from_a_generated_secret_and_publishes_expiry_events()
    {
        var r = await HelmChart.TemplateAsync();
        var secret = r.Get("Secret", "htag-redis");
        var password = Encoding.UTF8.GetString(Convert.FromBase64String(secret.At("data.redis-password").S!));
        Assert.Matches("^[A-Za-z0-9]{32}$", password);
        Assert.DoesNotContain(password, r.Text.Replace(secret.At("data.redis-password").S!, "", StringComparison.Ordinal));

        var redis = HelmChart.Container(r.Get("StatefulSet", "htag-redis"), "redis");
        var args = redis["args"].Strings;
        Assert.Equal("Ex", args[args.ToList().IndexOf("--notify-keyspace-events") + 1]);
        Assert.Equal("$(REDIS_PASSWORD)", args[args.ToList().IndexOf("--requirepass") + 1]);
        var env = redis["env"].List.Single(e => e["name"].S == "REDIS_PASSWORD");
        Assert.Equal("htag-redis", env.At("valueFrom.secretKeyRef.name").S);
        Assert.Equal("redis:7-alpine", redis["image"].S);
        // Full, it refuses writes rather than being OOM-killed below its limit (256Mi) with every route, key and state.
        Assert.Equal("192mb", args[args.ToList().IndexOf("--maxmemory") + 1]);
        Assert.Equal("noeviction", args[args.ToList().IndexOf("--maxmemory-policy") + 1]);
        Assert.False(r.Get("StatefulSet", "htag-redis").At("spec.volumeClaimTemplates").Exists);

        // Router and operator get the same connection string, password by reference, host without DNS.
        foreach (var part in new[] { "router", "operator" })
        {
            var c = HelmChart.Container(r.Get("Deployment", $"htag-{part}"), part);
            Assert.Equal("$(HTAG_REDIS_SERVICE_HOST):$(HTAG_REDIS_SERVICE_PORT),password=$(REDIS_PASSWORD),abortConnect=false",
                HelmChart.Env(c, "HTAGKUBE_REDIS"));
            var names = c["env"].List.Select(e => e["name"].S).ToList();
            Assert.True(names.IndexOf("REDIS_PASSWORD") < names.IndexOf("HTAGKUBE_REDIS"), "$(REDIS_PASSWORD) expands only from an earlier variable");
            Assert.Equal("true", HelmChart.PodSpec(r.Get("Deployment", $"htag-{part}"))["enableServiceLinks"].S);
        }
    }

    [Fact]
    public async Task Persistence_and_image_are_values()
    {
        var r = await HelmChart.TemplateAsync("redis.persistence.enabled=true", "redis.persistence.size=5Gi",
            "redis.image.repository=htagkube/redis", "redis.image.tag=7", "redis.existingSecret=my-redis");
        var sts = r.Get("StatefulSet", "htag-redis");
        var claim = Assert.Single(sts.At("spec.volumeClaimTemplates").List);
        Assert.Equal("5Gi", claim.At("spec.resources.requests.storage").S);
        var c = HelmChart.Container(sts, "redis");
        Assert.Contains("--appendonly", c["args"].Strings);
        Assert.Equal("yes", c["args"].Strings[c["args"].Strings.ToList().IndexOf("--appendonly") + 1]);
        Assert.Equal("htagkube/redis:7", c["image"].S);
        Assert.DoesNotContain(r.OfKind("Secret"), s => s.Name == "htag-redis");
        Assert.Equal("my-redis", c["env"].List.Single(e => e["name"].S == "REDIS_PASSWORD").At("valueFrom.secretKeyRef.name").S);
    }

    [Fact]
    public async Task The_memory_ceiling_is_a_value_and_can_be_lifted()
    {
        var set = HelmChart.Container((await HelmChart.TemplateAsync("redis.maxmemory=1gb")).Get("StatefulSet", "htag-redis"), "redis");
        Assert.Equal("1gb", set["args"].Strings[set["args"].Strings.ToList().IndexOf("--maxmemory") + 1]);
        var none = HelmChart.Container((await HelmChart.TemplateAsync("redis.maxmemory=")).Get("StatefulSet", "htag-redis"), "redis");
        Assert.DoesNotContain("--maxmemory", none["args"].Strings);
        Assert.DoesNotContain("--maxmemory-policy", none["args"].Strings);
    }

    [Fact]
    public async Task External_redis_replaces_the_statefulset()
    {
        var r = await HelmChart.TemplateAsync("redis.enabled=false", "externalRedis.host=10.0.0.7", "externalRedis.port=6380",
            "externalRedis.existingSecret=ext", "externalRedis.ssl=true");
        Assert.Empty(r.OfKind("StatefulSet"));
        Assert.DoesNotContain(r.OfKind("Secret"), s => s.Name == "htag-redis");
        var c = HelmChart.Container(r.Get("Deployment", "htag-router"), "router");
        Assert.Equal("10.0.0.7:6380,password=$(REDIS_PASSWORD),ssl=true,abortConnect=false", HelmChart.Env(c, "HTAGKUBE_REDIS"));

        var open = await HelmChart.TemplateAsync("redis.enabled=false", "externalRedis.host=10.0.0.7");
        var c2 = HelmChart.Container(open.Get("Deployment", "htag-router"), "router");
        Assert.Equal("10.0.0.7:6379,abortConnect=false", HelmChart.Env(c2, "HTAGKUBE_REDIS"));
        Assert.DoesNotContain(c2["env"].List, e => e["name"].S == "REDIS_PASSWORD");
    }
}
