using System.Text.Json;
using System.Text.Json.Nodes;
using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Cluster;

/// <summary>kubectl/helm against one test namespace of the real cluster (KUBECONFIG).</summary>
public sealed class Kube(string ns)
{
    public string Namespace { get; } = ns;

    public static string NewNamespace(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    public async Task<string> KubectlAsync(CancellationToken ct, params string[] args)
    {
        var r = await Tool.KubectlAsync(ct, ["-n", Namespace, .. args]);
        if (!r.Ok) throw new InvalidOperationException($"kubectl {string.Join(' ', args)}: {r}");
        return r.StdOut;
    }

    /// <summary>`kubectl get KIND -o json` items (optionally with a label selector).</summary>
    public async Task<JsonArray> ListAsync(string kind, CancellationToken ct, string? selector = null)
    {
        var args = new List<string> { "get", kind, "-o", "json" };
        if (selector is not null) { args.Add("-l"); args.Add(selector); }
        var json = JsonNode.Parse(await KubectlAsync(ct, [.. args]))!;
        return json["items"]!.AsArray();
    }

    public static bool PodReady(JsonNode pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True") == true;

    /// <summary>Sessions, pods, the namespace's recent events and logs: the message of a failed wait.</summary>
    public async Task<string> DiagnoseAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        async Task<string> Run(string[] args)
        {
            var r = await Tool.KubectlAsync(cts.Token, ["-n", Namespace, .. args]);
            return args[^1].StartsWith("jsonpath=", StringComparison.Ordinal) ? r.StdOut + r.StdErr
                : $"$ kubectl {string.Join(' ', args)}\n{r.StdOut}{r.StdErr}";
        }
        string[] operatorLog = ["logs", "deploy/htag-operator", "--tail=60"];
        var operatorLines = (await Run(operatorLog)).TrimEnd().Split('\n');
        var parts = new List<string>
        {
            // A digest first, a line each: CI prints only the first lines of a failure's message.
            await Run(["get", "htagsessions", "-o",
                """jsonpath=sessions: {range .items[*]}{.metadata.name} {.status.phase} pod={.status.podName} ip={.status.podIP} "{.status.message}"; {end}"""]),
            await Run(["get", "pods", "-o",
                """jsonpath=pods: {range .items[*]}{.metadata.name} {.status.phase} ready={.status.containerStatuses[0].ready} session={.metadata.labels.htagkube\.io/session}; {end}"""]),
            "operator, last lines: " + string.Join(" | ", operatorLines.Skip(1).TakeLast(4)),
            await Run(["get", "pods,htagsessions,secrets", "-o", "wide"]),
            await Run(["get", "events", "--sort-by=.lastTimestamp"]),
            string.Join('\n', operatorLines),
            // Every router, and the userpods serving sessions (a state load or its failure is logged there).
            await Run(["logs", "-l", "app.kubernetes.io/component=router", "--prefix", "--tail=60"]),
            await Run(["logs", "-l", "htagkube.io/session", "--prefix", "--tail=20"]),
        };
        return string.Join("\n", parts);
    }

    public static string Json(JsonNode? n) => n?.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) ?? "null";
}
