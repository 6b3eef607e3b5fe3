using System.Security.Cryptography.X509Certificates;
using YamlDotNet.RepresentationModel;

namespace HTagKube.Kubernetes.Config;

/// <summary>Where the API server is and how to authenticate: from a kubeconfig file or in-cluster.</summary>
public sealed class KubeConfig
{
    public required Uri Server { get; init; }
    public string? Token { get; init; }
    /// <summary>Read on every request when set (in-cluster tokens are rotated on disk).</summary>
    public string? TokenFile { get; init; }
    public X509Certificate2? ClientCertificate { get; init; }
    public X509Certificate2Collection? CaCertificates { get; init; }
    public bool InsecureSkipTlsVerify { get; init; }
    public string Namespace { get; init; } = "default";

    const string SaDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>KUBECONFIG (first path), else in-cluster, else ~/.kube/config.</summary>
    public static KubeConfig FromEnvironment()
    {
        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(env)) return FromFile(env.Split(Path.PathSeparator)[0]);
        if (IsInCluster) return InCluster();
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (File.Exists(home)) return FromFile(home);
        throw new InvalidOperationException("no Kubernetes configuration: set KUBECONFIG or run in a pod");
    }

    public static bool IsInCluster =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")) && File.Exists(Path.Combine(SaDir, "token"));

    /// <summary>Service-account config. No cluster DNS is assumed: the server comes from KUBERNETES_SERVICE_HOST/PORT.</summary>
    public static KubeConfig InCluster() => InCluster(
        Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") ?? throw new InvalidOperationException("KUBERNETES_SERVICE_HOST unset"),
        Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") ?? "443",
        SaDir);

    /// <summary>In-cluster config from explicit parts (the service-account directory holds token, ca.crt, namespace).</summary>
    public static KubeConfig InCluster(string host, string port, string serviceAccountDir)
    {
        if (host.Contains(':')) host = $"[{host}]";
        var ca = new X509Certificate2Collection();
        ca.ImportFromPemFile(Path.Combine(serviceAccountDir, "ca.crt"));
        var nsFile = Path.Combine(serviceAccountDir, "namespace");
        return new KubeConfig
        {
            Server = new Uri($"https://{host}:{port}"),
            TokenFile = Path.Combine(serviceAccountDir, "token"),
            CaCertificates = ca,
            Namespace = File.Exists(nsFile) ? File.ReadAllText(nsFile).Trim() : "default",
        };
    }

    /// <summary>Parses the current context of a kubeconfig file (token, token file or client certificate).</summary>
    public static KubeConfig FromFile(string path, string? context = null)
    {
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var yaml = new YamlStream();
        using (var reader = File.OpenText(path)) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;

        context ??= Str(root, "current-context") ?? throw new InvalidOperationException($"{path}: no current-context");
        var ctx = Named(root, "contexts", context, "context");
        var cluster = Named(root, "clusters", Str(ctx, "cluster") ?? throw Bad(path, "context without cluster"), "cluster");
        var userName = Str(ctx, "user");
        var user = userName is null ? null : Named(root, "users", userName, "user");

        string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.Combine(baseDir, p);

        X509Certificate2Collection? ca = null;
        if (Str(cluster, "certificate-authority-data") is { } caData)
        {
            ca = [];
            ca.ImportFromPem(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(caData)));
        }
        else if (Str(cluster, "certificate-authority") is { } caFile)
        {
            ca = [];
            ca.ImportFromPemFile(Resolve(caFile));
        }

        X509Certificate2? clientCert = null;
        string? token = null, tokenFile = null;
        if (user is not null)
        {
            token = Str(user, "token");
            if (Str(user, "tokenFile") is { } tf) tokenFile = Resolve(tf);
            var certPem = Str(user, "client-certificate-data") is { } cd ? Decode(cd)
                : Str(user, "client-certificate") is { } cf ? File.ReadAllText(Resolve(cf)) : null;
            var keyPem = Str(user, "client-key-data") is { } kd ? Decode(kd)
                : Str(user, "client-key") is { } kf ? File.ReadAllText(Resolve(kf)) : null;
            if (certPem is not null && keyPem is not null)
            {
                // Re-import through PKCS#12 so SslStream can use the private key on every platform.
                using var ephemeral = X509Certificate2.CreateFromPem(certPem, keyPem);
                clientCert = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
            }
        }

        return new KubeConfig
        {
            Server = new Uri(Str(cluster, "server") ?? throw Bad(path, "cluster without server")),
            Token = token,
            TokenFile = tokenFile,
            ClientCertificate = clientCert,
            CaCertificates = ca,
            InsecureSkipTlsVerify = Str(cluster, "insecure-skip-tls-verify") == "true",
            Namespace = Str(ctx, "namespace") ?? "default",
        };
    }

    static string Decode(string b64) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64));

    static InvalidOperationException Bad(string path, string what) => new($"{path}: {what}");

    static string? Str(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

    static YamlMappingNode Named(YamlMappingNode root, string listKey, string name, string inner)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(listKey), out var list) && list is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children.OfType<YamlMappingNode>())
            {
                if (Str(item, "name") == name && item.Children.TryGetValue(new YamlScalarNode(inner), out var body) && body is YamlMappingNode m)
                    return m;
            }
        }
        throw new InvalidOperationException($"kubeconfig: {listKey} has no entry named '{name}'");
    }
}
