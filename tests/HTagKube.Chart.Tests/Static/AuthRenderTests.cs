using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Static;

/// <summary>Issue 17: the chart's <c>auth.oidc.*</c> values become the router's sign-in flags; the secret stays in its Secret.</summary>
public sealed class AuthRenderTests
{
    [Fact]
    public async Task By_default_the_router_is_anonymous()
    {
        var c = HelmChart.Container((await HelmChart.TemplateAsync()).Get("Deployment", "htag-router"), "router");
        Assert.DoesNotContain(c["args"].Strings, a => a.StartsWith("--oidc", StringComparison.Ordinal));
        Assert.DoesNotContain(c["env"].List, e => e["name"].S == "HTAGKUBE_OIDC_CLIENT_SECRET");
    }

    [Fact]
    public async Task Oidc_values_render_the_sign_in_flags_and_the_client_secret_by_reference()
    {
        var r = await HelmChart.TemplateAsync("auth.oidc.enabled=true", "auth.oidc.authority=https://idp.example.com/realms/x",
            "auth.oidc.clientId=htag", "auth.oidc.existingSecret=htag-oidc", "auth.oidc.scopes=openid profile email groups",
            "auth.oidc.allowedGroups={staff,ops}", "auth.oidc.allowedEmails={boss@example.org}", "auth.oidc.allowedEmailDomains={example.com}",
            "auth.oidc.adminGroup=admins", "auth.oidc.loginLifetimeSeconds=3600", "auth.oidc.logoutEndsSession=true");
        var c = HelmChart.Container(r.Get("Deployment", "htag-router"), "router");
        var args = c["args"].Strings;
        Assert.Contains("--oidc-authority=https://idp.example.com/realms/x", args);
        Assert.Contains("--oidc-client-id=htag", args);
        Assert.Contains("--oidc-scopes=openid profile email groups", args);
        Assert.Contains("--oidc-groups-claim=groups", args);
        Assert.Contains("--oidc-allowed-groups=staff,ops", args);
        Assert.Contains("--oidc-allowed-emails=boss@example.org", args);
        Assert.Contains("--oidc-allowed-email-domains=example.com", args);
        Assert.Contains("--oidc-admin-group=admins", args);
        Assert.Contains("--oidc-login-lifetime=3600", args);
        Assert.Contains("--oidc-logout-ends-session", args);

        var secret = c["env"].List.Single(e => e["name"].S == "HTAGKUBE_OIDC_CLIENT_SECRET");
        Assert.Equal("htag-oidc", secret.At("valueFrom.secretKeyRef.name").S);
        Assert.Equal("client-secret", secret.At("valueFrom.secretKeyRef.key").S);
        Assert.False(secret["value"].Exists); // never inline
    }

    [Fact]
    public async Task A_private_ca_config_map_is_mounted_read_only_and_named_by_the_ca_file_flag()
    {
        var r = await HelmChart.TemplateAsync("auth.oidc.enabled=true", "auth.oidc.authority=https://idp.internal", "auth.oidc.clientId=htag",
            "auth.oidc.caConfigMap=idp-ca", "auth.oidc.caConfigMapKey=root.pem");
        var deployment = r.Get("Deployment", "htag-router");
        var c = HelmChart.Container(deployment, "router");
        Assert.Contains("--oidc-ca-file=/etc/htagkube/oidc-ca/ca.crt", c["args"].Strings);
        var mount = c["volumeMounts"].List.Single(m => m["name"].S == "oidc-ca");
        Assert.Equal("/etc/htagkube/oidc-ca", mount["mountPath"].S);
        Assert.Equal("true", mount["readOnly"].S);
        var volume = deployment.At("spec.template.spec.volumes").List.Single(v => v["name"].S == "oidc-ca");
        Assert.Equal("idp-ca", volume.At("configMap.name").S);
        var item = Assert.Single(volume.At("configMap.items").List);
        Assert.Equal("root.pem", item["key"].S);
        Assert.Equal("ca.crt", item["path"].S);

        // Without the value (or with sign-in off): no flag, no volume.
        foreach (var set in new[] { new[] { "auth.oidc.enabled=true", "auth.oidc.authority=https://idp.internal", "auth.oidc.clientId=htag" },
                     ["auth.oidc.caConfigMap=idp-ca"] })
        {
            var plain = (await HelmChart.TemplateAsync(set)).Get("Deployment", "htag-router");
            Assert.DoesNotContain(HelmChart.Container(plain, "router")["args"].Strings, a => a.StartsWith("--oidc-ca-file", StringComparison.Ordinal));
            Assert.DoesNotContain(plain.At("spec.template.spec.volumes").List, v => v["name"].S == "oidc-ca");
        }
    }

    [Fact]
    public async Task A_public_client_has_no_secret_and_unset_lists_render_no_flags()
    {
        var r = await HelmChart.TemplateAsync("auth.oidc.enabled=true", "auth.oidc.authority=https://idp.example.com", "auth.oidc.clientId=htag");
        var c = HelmChart.Container(r.Get("Deployment", "htag-router"), "router");
        Assert.DoesNotContain(c["env"].List, e => e["name"].S == "HTAGKUBE_OIDC_CLIENT_SECRET");
        Assert.DoesNotContain(c["args"].Strings, a => a.StartsWith("--oidc-allowed", StringComparison.Ordinal) || a.StartsWith("--oidc-admin", StringComparison.Ordinal)
            || a == "--oidc-logout-ends-session");
    }
}
