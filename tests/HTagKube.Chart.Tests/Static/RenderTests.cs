using HTagKube.Contract;
using HTagKube.Chart.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace HTagKube.Chart.Tests.Static;

/// <summary>`helm lint` and what `helm template` renders for the defaults and the main options.</summary>
public sealed class RenderTests
{
    [Fact]
    public async Task Helm_lint_is_clean_in_strict_mode()
    {
        var r = await HelmChart.LintAsync("--strict");
        Assert.True(r.Ok, r.ToString());
        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", r.StdOut);
        Assert.DoesNotContain("[WARNING]", r.StdOut);
        Assert.DoesNotContain("[ERROR]", r.StdOut);
    }

    [Fact]
    public async Task Defaults_render_router_operator_redis_and_no_ingress()
    {
        var r = await HelmChart.TemplateAsync();
        var router = r.Get("Deployment", "htag-router");
        Assert.Equal("2", router.At("spec.replicas").S);
        Assert.Equal("1", r.Get("Deployment", "htag-operator").At("spec.replicas").S);
        Assert.Equal("ClusterIP", r.Get("Service", "htag-router").At("spec.type").S);
        var selector = r.Get("Service", "htag-router").At("spec.selector").StringMap;
        Assert.NotEmpty(selector);
        Assert.All(selector, kv => Assert.Equal(kv.Value, HelmChart.PodLabels(router).GetValueOrDefault(kv.Key)));
        r.Get("StatefulSet", "htag-redis");
        r.Get("Service", "htag-redis");
        r.Get("Secret", "htag-redis");
        Assert.Empty(r.OfKind("Ingress"));
        Assert.Empty(r.OfKind("CustomResourceDefinition")); // CRDs come from charts/crds/, not templates
    }

    [Fact]
    public async Task Router_has_health_probes_on_its_port_and_the_session_settings()
    {
        var r = await HelmChart.TemplateAsync("sessions.idleTimeoutSeconds=90061", "sessions.maxSessions=42", "sessions.sessionsPerIpPerMinute=7");
        var c = HelmChart.Container(r.Get("Deployment", "htag-router"), "router");
        Assert.Equal("/healthz", c.At("livenessProbe.httpGet.path").S);
        Assert.Equal("/readyz", c.At("readinessProbe.httpGet.path").S);
        var port = Assert.Single(c["ports"].List);
        Assert.Equal("http", c.At("readinessProbe.httpGet.port").S);
        Assert.Equal("http", port["name"].S);
        Assert.Equal(port["containerPort"].S, HelmChart.Env(c, "ASPNETCORE_HTTP_PORTS"));

        var args = c["args"].Strings;
        Assert.Contains("--kubernetes", args);
        Assert.Contains("--max-sessions=42", args);
        Assert.Contains("--sessions-per-ip-per-minute=7", args);
        // Durations go as plain seconds, the contract's one format (HTagKube.Contract.Durations), which the router reads.
        var idle = args.Single(a => a.StartsWith("--idle-timeout=", StringComparison.Ordinal))["--idle-timeout=".Length..];
        Assert.Equal("90061", idle);
        Assert.Equal(TimeSpan.FromSeconds(90061), HTagKube.Contract.Durations.Parse(idle));
        Assert.NotNull(c.At("resources.limits.memory").S);

        Assert.DoesNotContain(args, a => a.StartsWith("--trusted-proxies", StringComparison.Ordinal)); // none by default
        var behindIngress = HelmChart.Container((await HelmChart.TemplateAsync("router.trustedProxies={10.244.0.0/16,fd00::/8}")).Get("Deployment", "htag-router"), "router");
        Assert.Contains("--trusted-proxies=10.244.0.0/16,fd00::/8", behindIngress["args"].Strings);

        // Kubernetes mode creates the sessions in the router's own namespace, where the operator watches.
        var ns = c["env"].List.Single(e => e["name"].S == "HTAGKUBE_NAMESPACE");
        Assert.Equal("metadata.namespace", ns.At("valueFrom.fieldRef.fieldPath").S);
    }

    [Fact]
    public async Task Router_gets_the_state_settings_and_its_pod_ip_for_the_state_url()
    {
        var defaults = HelmChart.Container((await HelmChart.TemplateAsync()).Get("Deployment", "htag-router"), "router");
        // By default the state is kept as long as an idle session (the router's default: its idle timeout, whatever it
        // is set to), and up to the contract's default size.
        Assert.DoesNotContain(defaults["args"].Strings, a => a.StartsWith("--state-retention", StringComparison.Ordinal));
        Assert.Contains("--idle-timeout=1800", defaults["args"].Strings);
        Assert.Contains($"--state-max-bytes={HTagKube.Contract.StateProtocol.DefaultMaxBytes}", defaults["args"].Strings);

        var r = await HelmChart.TemplateAsync("sessions.stateRetentionSeconds=604800", "sessions.stateMaxBytes=536870912");
        var c = HelmChart.Container(r.Get("Deployment", "htag-router"), "router");
        Assert.Contains("--state-retention=604800", c["args"].Strings);
        Assert.Contains("--state-max-bytes=536870912", c["args"].Strings); // an integer, never 5.36870912e+08
        var podIp = c["env"].List.Single(e => e["name"].S == RouterEnvironment.PodIp);
        Assert.Equal("status.podIP", podIp.At("valueFrom.fieldRef.fieldPath").S);
    }

    [Fact]
    public async Task Operator_gets_the_upgrade_strategy()
    {
        var defaults = HelmChart.Container((await HelmChart.TemplateAsync()).Get("Deployment", "htag-operator"), "operator");
        Assert.Contains("--upgrade-strategy=OnIdle", defaults["args"].Strings);
        Assert.Contains("--upgrade-idle=30", defaults["args"].Strings);
        var r = await HelmChart.TemplateAsync("sessions.upgradeStrategy=OnExpiry", "sessions.upgradeIdleSeconds=120");
        var c = HelmChart.Container(r.Get("Deployment", "htag-operator"), "operator");
        Assert.Contains("--upgrade-strategy=OnExpiry", c["args"].Strings);
        Assert.Contains("--upgrade-idle=120", c["args"].Strings);
    }

    [Fact]
    public async Task Pdb_uses_policy_v1beta1_on_kubernetes_1_20_and_policy_v1_from_1_21()
    {
        var old = await HelmChart.TemplateAsync();
        var pdb = Assert.Single(old.OfKind("PodDisruptionBudget"));
        Assert.Equal("policy/v1beta1", pdb["apiVersion"].S);
        Assert.Equal("1", pdb.At("spec.minAvailable").S);
        Assert.True(HelmChart.Selects(pdb.At("spec.selector"), HelmChart.PodLabels(old.Get("Deployment", "htag-router"))));

        var recent = await HelmChart.TemplateWithAsync("1.29.0");
        Assert.Equal("policy/v1", Assert.Single(recent.OfKind("PodDisruptionBudget"))["apiVersion"].S);
    }

    [Fact]
    public async Task Ingress_takes_class_host_and_tls()
    {
        var r = await HelmChart.TemplateAsync("router.ingress.enabled=true", "router.ingress.className=nginx",
            "router.ingress.host=apps.example.com", "router.ingress.tls.enabled=true", "router.ingress.tls.secretName=apps-tls");
        var ing = Assert.Single(r.OfKind("Ingress"));
        Assert.Equal("networking.k8s.io/v1", ing["apiVersion"].S);
        Assert.Equal("nginx", ing.At("spec.ingressClassName").S);
        var rule = Assert.Single(ing.At("spec.rules").List);
        Assert.Equal("apps.example.com", rule["host"].S);
        var backend = Assert.Single(rule.At("http.paths").List);
        Assert.Equal("htag-router", backend.At("backend.service.name").S);
        Assert.Equal("http", backend.At("backend.service.port.name").S);
        var tls = Assert.Single(ing.At("spec.tls").List);
        Assert.Equal(["apps.example.com"], tls["hosts"].Strings);
        Assert.Equal("apps-tls", tls["secretName"].S);
    }

    [Fact]
    public async Task Every_pod_runs_hardened_and_non_root()
    {
        var r = await HelmChart.TemplateAsync();
        var workloads = r.Objects.Where(o => o.Kind is "Deployment" or "StatefulSet" or "Job").ToArray();
        Assert.Equal(5, workloads.Length); // router, operator, redis, the two uninstall hooks
        foreach (var w in workloads)
        {
            var spec = HelmChart.PodSpec(w);
            Assert.Equal("true", spec.At("securityContext.runAsNonRoot").Value?.ToString()?.ToLowerInvariant());
            Assert.Equal("RuntimeDefault", spec.At("securityContext.seccompProfile.type").S);
            foreach (var c in spec["containers"].List)
            {
                var sc = c["securityContext"];
                Assert.Equal("false", sc["allowPrivilegeEscalation"].S);
                Assert.Equal("true", sc["readOnlyRootFilesystem"].S);
                Assert.Equal(["ALL"], sc.At("capabilities.drop").Strings);
                Assert.True(c.At("resources.limits").Exists, $"{w.Name}/{c["name"].S} has limits");
            }
        }
    }

    [Fact]
    public async Task Operator_gets_its_namespace_redis_lease_and_the_userpod_defaults()
    {
        var r = await HelmChart.TemplateAsync("userpod.image.repository=registry.example.com/me/apps", "userpod.image.tag=2.0.0",
            "userpod.image.pullPolicy=Always", "sessions.idleTimeoutSeconds=600", "userpod.resources.limits.memory=1Gi");
        var c = HelmChart.Container(r.Get("Deployment", "htag-operator"), "operator");
        Assert.Equal([
            "--namespace=$(POD_NAMESPACE)", "--redis=$(HTAGKUBE_REDIS)", "--image=registry.example.com/me/apps:2.0.0",
            "--image-pull-policy=Always", "--idle-timeout=600", "--upgrade-strategy=OnIdle", "--upgrade-idle=30", "--lease-name=htag-operator",
            "--warm-pool-status=htag-warm-pool", "--warm-pool=2", "--warm-pool-max=20",
        ], c["args"].Strings);
        var names = c["env"].List.Select(e => e["name"].S).ToList();
        Assert.True(names.IndexOf("POD_NAMESPACE") < names.IndexOf("HTAGKUBE_REDIS"), "$(VAR) in args needs the variables defined");
        Assert.Equal("1Gi", HelmChart.Env(c, "Operator__DefaultLimits__memory"));
        Assert.Equal("10m", HelmChart.Env(c, "Operator__DefaultRequests__cpu"));
        Assert.Equal(c["ports"][0]["containerPort"].S, HelmChart.Env(c, "ASPNETCORE_HTTP_PORTS"));
        Assert.Equal("/healthz", c.At("livenessProbe.httpGet.path").S);
    }

    [Theory]
    [InlineData(new string[0], new[] { "--warm-pool=2", "--warm-pool-max=20" })]
    [InlineData(new[] { "warmPool.size=0" }, new[] { "--warm-pool=0", "--warm-pool-max=0" })]
    [InlineData(new[] { "warmPool.size=7" }, new[] { "--warm-pool=7", "--warm-pool-max=7" })]
    [InlineData(new[] { "warmPool.min=0", "warmPool.max=0" }, new[] { "--warm-pool=0", "--warm-pool-max=0" })]
    [InlineData(new[] { "warmPool.min=5", "warmPool.max=60" }, new[] { "--warm-pool=5", "--warm-pool-max=60" })]
    [InlineData(new[] { "warmPool.schedule={Mon-Fri 08:55 40 30m,Sat 10:00 5 1h}" },
        new[] { "--warm-pool=2", "--warm-pool-max=40", "--warm-pool-schedule=Mon-Fri 08:55 40 30m; Sat 10:00 5 1h" })]
    [InlineData(new[] { "warmPool.size=3", "warmPool.schedule={* 07:00 4 2h}" },
        new[] { "--warm-pool=3", "--warm-pool-max=4", "--warm-pool-schedule=* 07:00 4 2h" })]
    public async Task Warm_pool_values_reach_the_operator_and_max_covers_the_schedule(string[] sets, string[] flags)
    {
        var r = await HelmChart.TemplateAsync(sets);
        var args = HelmChart.Container(r.Get("Deployment", "htag-operator"), "operator")["args"].Strings;
        Assert.Equal(flags, args.Where(a => a.StartsWith("--warm-pool", StringComparison.Ordinal) && !a.StartsWith("--warm-pool-status=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_operator_reads_the_charts_warm_pool_flags_as_the_chart_means_them()
    {
        var r = await HelmChart.TemplateAsync("warmPool.min=1", "warmPool.max=9", "warmPool.schedule={Mon-Fri 08:55 12 30m}");
        var args = HelmChart.Container(r.Get("Deployment", "htag-operator"), "operator")["args"].Strings
            .Where(a => a.StartsWith("--warm-pool", StringComparison.Ordinal)).Append("--redis=r:1").ToArray();
        var options = Operator.Hosting.OperatorConfig.Bind(new ConfigurationBuilder()
            .AddCommandLine(args, Operator.Hosting.OperatorConfig.Flags.SwitchMappings).Build());
        var schedule = Operator.Warm.WarmPoolSchedule.Parse(options.WarmPoolSchedule);
        Assert.Equal((1, 12), options.WarmPoolBounds(schedule));
        Assert.Equal(12, schedule.PodsAt(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero))); // a Monday, 09:00 UTC
        Assert.Equal(0, schedule.PodsAt(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero))); // a Sunday
    }
}
