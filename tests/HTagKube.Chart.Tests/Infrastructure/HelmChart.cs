using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace HTagKube.Chart.Tests.Infrastructure;

/// <summary>`helm template` of charts/ as parsed objects.</summary>
public sealed class Rendered(IReadOnlyList<YNode> objects, string text)
{
    public IReadOnlyList<YNode> Objects { get; } = objects;
    public string Text { get; } = text;

    public IEnumerable<YNode> OfKind(string kind) => Objects.Where(o => o.Kind == kind);

    public YNode Get(string kind, string name) =>
        Objects.SingleOrDefault(o => o.Kind == kind && o.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{kind}/{name} not rendered; rendered: {string.Join(", ", Objects.Select(o => o.Kind + "/" + o.Name))}");

    public static IReadOnlyList<YNode> Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var docs = new List<YNode>();
        while (parser.Accept<DocumentStart>(out _))
        {
            var doc = deserializer.Deserialize<object?>(parser);
            if (doc is not null) docs.Add(new YNode(doc));
        }
        return docs;
    }
}

/// <summary>Renders and lints the chart with the real helm binary.</summary>
public static class HelmChart
{
    public const string Release = "htag";
    public const string Namespace = "htag-test";

    /// <summary>Cluster version the chart targets (the local cluster): PDB must be policy/v1beta1 there.</summary>
    public const string KubeVersion = "1.20.2";

    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static Task<ToolResult> TemplateRawAsync(params string[] sets) => TemplateRawWithAsync(KubeVersion, sets);

    public static async Task<ToolResult> TemplateRawWithAsync(string kubeVersion, params string[] sets)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var args = new List<string> { "template", Release, Repo.Chart, "--namespace", Namespace, "--kube-version", kubeVersion };
        foreach (var s in sets) { args.Add("--set"); args.Add(s); }
        return await Tool.HelmAsync(cts.Token, [.. args]);
    }

    /// <summary>Renders with the given --set values; fails the test with helm's message when rendering fails.</summary>
    public static Task<Rendered> TemplateAsync(params string[] sets) => TemplateWithAsync(KubeVersion, sets);

    public static async Task<Rendered> TemplateWithAsync(string kubeVersion, params string[] sets)
    {
        var r = await TemplateRawWithAsync(kubeVersion, sets);
        Assert.True(r.Ok, "helm template failed: " + r);
        return new Rendered(Rendered.Parse(r.StdOut), r.StdOut);
    }

    public static async Task<ToolResult> LintAsync(params string[] args)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await Tool.HelmAsync(cts.Token, ["lint", Repo.Chart, .. args]);
    }

    /// <summary>The pod template spec of a workload.</summary>
    public static YNode PodSpec(YNode workload) => workload.At("spec.template.spec");

    public static IReadOnlyDictionary<string, string> PodLabels(YNode workload) => workload.At("spec.template.metadata.labels").StringMap;

    public static YNode Container(YNode workload, string name) =>
        PodSpec(workload)["containers"].List.Single(c => c["name"].S == name);

    /// <summary>A container's env var value by name (null when absent or from a reference).</summary>
    public static string? Env(YNode container, string name) =>
        container["env"].List.FirstOrDefault(e => e["name"].S == name)?["value"].S;

    /// <summary>True when the labels satisfy the LabelSelector (matchLabels and matchExpressions).</summary>
    public static bool Selects(YNode selector, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (k, v) in selector["matchLabels"].StringMap)
            if (!labels.TryGetValue(k, out var have) || have != v) return false;
        foreach (var e in selector["matchExpressions"].List)
        {
            var key = e["key"].S!;
            var values = e["values"].Strings;
            var ok = e["operator"].S switch
            {
                "Exists" => labels.ContainsKey(key),
                "DoesNotExist" => !labels.ContainsKey(key),
                "In" => labels.TryGetValue(key, out var a) && values.Contains(a),
                "NotIn" => !labels.TryGetValue(key, out var b) || !values.Contains(b),
                var op => throw new InvalidOperationException("unknown selector operator " + op),
            };
            if (!ok) return false;
        }
        return true;
    }
}
