using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Static;

/// <summary>Issue 27: behind an ingress as shipped, client addresses, https and uploads are right by default.</summary>
public sealed class IngressRenderTests
{
    static async Task<IReadOnlyList<string>> RouterArgsAsync(params string[] sets) =>
        HelmChart.Container((await HelmChart.TemplateAsync(sets)).Get("Deployment", "htag-router"), "router")["args"].Strings;

    [Fact]
    public async Task With_the_ingress_on_the_router_trusts_the_controllers_pod_ranges_and_an_explicit_list_wins()
    {
        Assert.Contains("--trusted-proxies=10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8",
            await RouterArgsAsync("router.ingress.enabled=true"));
        Assert.Contains("--trusted-proxies=10.42.0.0/16", await RouterArgsAsync("router.ingress.enabled=true",
            "router.ingress.controllerCidrs={10.42.0.0/16}"));
        var args = await RouterArgsAsync("router.ingress.enabled=true", "router.trustedProxies={192.0.2.7}");
        Assert.Equal("--trusted-proxies=192.0.2.7", Assert.Single(args, a => a.StartsWith("--trusted-proxies", StringComparison.Ordinal)));
        Assert.DoesNotContain(await RouterArgsAsync(), a => a.StartsWith("--trusted-proxies", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_ingress_with_nothing_trusted_fails_the_install_with_a_clear_message()
    {
        var r = await HelmChart.TemplateRawAsync("router.ingress.enabled=true", "router.ingress.controllerCidrs=null");
        Assert.False(r.Ok);
        Assert.Contains("router.ingress.enabled with nothing trusted", r.StdErr);
    }

    [Fact]
    public async Task Class_nginx_streams_uploads_up_to_the_apps_limit_and_the_users_annotations_win()
    {
        var ing = Assert.Single((await HelmChart.TemplateAsync("router.ingress.enabled=true", "router.ingress.className=nginx"))
            .OfKind("Ingress"));
        var a = ing.At("metadata.annotations").StringMap;
        Assert.Equal("10m", a["nginx.ingress.kubernetes.io/proxy-body-size"]);
        Assert.Equal("off", a["nginx.ingress.kubernetes.io/proxy-request-buffering"]);
        // Above the app's 60 s interaction timeout (its 503 comes first); idle WebSockets live on the router's 30 s ping.
        Assert.Equal("75", a["nginx.ingress.kubernetes.io/proxy-read-timeout"]);

        var mine = Assert.Single((await HelmChart.TemplateAsync("router.ingress.enabled=true", "router.ingress.className=nginx",
            "router.ingress.maxBodySize=50m", "router.ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-request-buffering=on"))
            .OfKind("Ingress")).At("metadata.annotations").StringMap;
        Assert.Equal("50m", mine["nginx.ingress.kubernetes.io/proxy-body-size"]);
        Assert.Equal("on", mine["nginx.ingress.kubernetes.io/proxy-request-buffering"]);

        var other = await HelmChart.TemplateAsync("router.ingress.enabled=true", "router.ingress.className=traefik");
        Assert.Single(other.OfKind("Ingress"));
        Assert.DoesNotContain("nginx.ingress", other.Text);
    }
}
