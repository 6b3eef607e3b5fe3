using HTagKube.Kubernetes.Runtime;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Metrics;
using HTagKube.Routing;
using k8s;
using Prometheus;

// The HTagKube operator: HTagSession → Secret + hardened Pod + route in Redis; idle TTL teardown.
// Serves /healthz and /metrics (ASPNETCORE_URLS / --urls; the image uses port 8081).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
builder.Configuration.AddCommandLine(args, OperatorConfig.Flags.SwitchMappings);
OperatorOptions options;
try { options = OperatorConfig.Bind(builder.Configuration); }
catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"htagkube-operator: {e.Message}");
    return 2;
}

// The operator's one Redis connection; it connects lazily and keeps retrying: Redis may come up after the operator.
var routes = await RedisRouteTable.ConnectAsync(options.Redis);
// KUBECONFIG, else ~/.kube/config, else the pod's service account; the namespace defaults to the configuration's.
var kubeConfig = KubernetesClientConfiguration.BuildDefaultConfig();
options.Namespace ??= kubeConfig.Namespace ?? "default";
builder.Services.AddHTagKubeOperator(options, new Kubernetes(kubeConfig), routes);

var app = builder.Build();
var log = app.Services.GetRequiredService<ILogger<Program>>();
routes.Diagnostic += (what, e) => log.LogWarning("route table: {What} {Error}", what, e?.Message);
log.LogInformation("operator {Identity}: namespace {Namespace}, campaigning for lease {Lease}",
    app.Services.GetRequiredService<Leadership>().Identity, options.Namespace, options.LeaseName);
app.MapGet("/healthz", () => "ok");
var metrics = app.Services.GetRequiredService<OperatorMetrics>(); // listening before the first measurement
app.UseMetricServer(settings => settings.Registry = metrics.Registry, "/metrics");
await app.RunAsync();
return 0;
