using HTagKube.Api.Routing;
using HTagKube.Kubernetes.Client;
using HTagKube.Operator.Hosting;
using HTagKube.Operator.Metrics;
using HTagKube.Operator.Routes;
using HTagKube.Operator.Sessions;
using HTagKube.Operator.Warm;
using StackExchange.Redis;

// The HTagKube operator: HTagSession → Secret + hardened Pod + route in Redis; idle TTL teardown.
// Serves /healthz and /metrics (ASPNETCORE_URLS / --urls; the image uses port 8081).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
builder.Configuration.AddCommandLine(args, OperatorConfig.Switches);
OperatorOptions options;
try { options = OperatorConfig.Bind(builder.Configuration); }
catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"htagkube-operator: {e.Message}");
    return 2;
}

// Both connect lazily and keep retrying: Redis may come up after the operator.
var routeTable = await RedisRouteTable.ConnectAsync(options.Redis, TimeSpan.FromSeconds(1));
var redisOptions = ConfigurationOptions.Parse(options.Redis);
redisOptions.AbortOnConnectFail = false;
var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions);

builder.Services.AddSingleton(options);
builder.Services.AddSingleton<IKubeClient>(_ => KubeClient.FromEnvironment());
builder.Services.AddSingleton<IRouteTable>(routeTable);
builder.Services.AddSingleton<IRouteActivity>(new RedisRouteActivity(redis));
builder.Services.AddSingleton<OperatorMetrics>();
builder.Services.AddSingleton<PrometheusExporter>();
builder.Services.AddSingleton<WarmPool>();
builder.Services.AddSingleton<SessionReconciler>();
builder.Services.AddHostedService<OperatorService>();

var app = builder.Build();
var log = app.Services.GetRequiredService<ILogger<OperatorService>>();
routeTable.Diagnostic += (what, e) => log.LogWarning("route table: {What} {Error}", what, e?.Message);
app.Services.GetRequiredService<PrometheusExporter>(); // listen before the first measurement
app.MapGet("/healthz", () => "ok");
app.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Render(), "text/plain; version=0.0.4"));
await app.RunAsync();
await routeTable.DisposeAsync();
redis.Dispose();
return 0;
