using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HTagKube.Testing;

/// <summary>
/// A private test CA and one server certificate it signed for an IP address (subject alternative name), as PEM files
/// in a temporary folder: what a provider with a private CA looks like to the router's <c>--oidc-ca-file</c>.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    readonly string _folder;

    /// <summary>The CA certificate (PEM), to trust.</summary>
    public string CaFile => Path.Combine(_folder, "ca.pem");

    /// <summary>The server certificate (PEM).</summary>
    public string ServerCertFile => Path.Combine(_folder, "server.pem");

    /// <summary>The server's private key (PEM, PKCS#8).</summary>
    public string ServerKeyFile => Path.Combine(_folder, "server-key.pem");

    /// <summary>The CA certificate's PEM text.</summary>
    public string CaPem => File.ReadAllText(CaFile);

    TestCertificates(string folder) => _folder = folder;

    /// <summary>A new CA named <paramref name="caName"/> and a certificate for <paramref name="ip"/> signed by it.</summary>
    public static TestCertificates Create(IPAddress ip, string caName = "HTagKube test CA")
    {
        var folder = Directory.CreateTempSubdirectory("htagkube-tls-").FullName;
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={ip}", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(ip);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server auth
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(Path.Combine(folder, "ca.pem"), ca.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(folder, "server.pem"), server.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(folder, "server-key.pem"), serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        return new TestCertificates(folder);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
