using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HTagKube.Kubernetes.Config;

namespace HTagKube.Operator.Tests.Kubernetes;

public sealed class KubeConfigTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("htk-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static (string CertPem, string KeyPem) SelfSigned(string cn)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    static string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));

    [Fact]
    public void Client_certificate_data_and_ca_data_and_selected_context()
    {
        var (ca, _) = SelfSigned("test-ca");
        var (cert, key) = SelfSigned("alice");
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c1
              cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: {{B64(ca)}}}
            users:
            - name: alice
              user:
                client-certificate-data: {{B64(cert)}}
                client-key-data: {{B64(key)}}
            - name: bob
              user: {token: bob-token}
            contexts:
            - name: a
              context: {cluster: c1, user: alice, namespace: team}
            - name: b
              context: {cluster: c1, user: bob}
            current-context: a
            """);
        var a = KubeConfig.FromFile(path);
        Assert.Equal(new Uri("https://10.0.0.1:6443"), a.Server);
        Assert.Equal("team", a.Namespace);
        Assert.NotNull(a.ClientCertificate);
        Assert.True(a.ClientCertificate!.HasPrivateKey);
        Assert.Equal("CN=alice", a.ClientCertificate.Subject);
        Assert.Equal("CN=test-ca", Assert.Single(a.CaCertificates!).Subject);
        Assert.Null(a.Token);

        var b = KubeConfig.FromFile(path, "b");
        Assert.Equal("bob-token", b.Token);
        Assert.Null(b.ClientCertificate);
        Assert.Equal("default", b.Namespace);
    }

    [Fact]
    public void Relative_file_paths_resolve_against_the_kubeconfig_directory_and_errors_are_clear()
    {
        var (ca, _) = SelfSigned("file-ca");
        File.WriteAllText(Path.Combine(_dir, "ca.crt"), ca);
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, """
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", certificate-authority: ca.crt}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """);
        Assert.Equal("CN=file-ca", KubeConfig.FromFile(path).CaCertificates![0].Subject);
        var e = Assert.Throws<InvalidOperationException>(() => KubeConfig.FromFile(path, "nope"));
        Assert.Contains("nope", e.Message);
    }
}
