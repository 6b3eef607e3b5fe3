using HTagKube.Contract;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HTagKube.Router.Hosting;

namespace HTagKube.Router.SignIn;

/// <summary>Checks the <c>--oidc-*</c> settings at start (a bad one stops the start with a clear message).</summary>
public static class SignInConfig
{
    /// <summary>Environment variable with the client secret (when no secret file is given).</summary>
    public const string SecretVariable = RouterEnvironment.OidcClientSecret;

    /// <summary>Validates and completes the sign-in settings of <paramref name="o"/>.</summary>
    public static void Validate(RouterOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.OidcAuthority)) { o.OidcAuthority = null; return; }
        if (!Uri.TryCreate(o.OidcAuthority, UriKind.Absolute, out var authority)
            || (authority.Scheme != Uri.UriSchemeHttps && !(authority.Scheme == Uri.UriSchemeHttp && IsLoopback(authority))))
            throw new ArgumentException("--oidc-authority must be an https:// URL (http:// only on loopback, for development and tests)");
        if (string.IsNullOrWhiteSpace(o.OidcClientId)) throw new ArgumentException("--oidc-client-id is required with --oidc-authority");
        if (!string.IsNullOrWhiteSpace(o.OidcClientSecretFile))
        {
            try { o.OidcClientSecret = File.ReadAllText(o.OidcClientSecretFile).Trim(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"--oidc-client-secret-file cannot be read: {e.Message}");
            }
        }
        else o.OidcClientSecret = Environment.GetEnvironmentVariable(SecretVariable)?.Trim();
        if (string.IsNullOrEmpty(o.OidcClientSecret)) o.OidcClientSecret = null;
        if (string.IsNullOrWhiteSpace(o.OidcCaFile)) o.OidcCaFile = null;
        else o.OidcCa = ReadCa(o.OidcCaFile); // a bad file stops the start here, not at the first sign-in
        if (o.OidcLoginLifetime <= TimeSpan.Zero) throw new ArgumentException("--oidc-login-lifetime must be positive");
        if (!o.OidcScopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid"))
            throw new ArgumentException("--oidc-scopes must include openid");
    }

    /// <summary>The certificates of the <c>--oidc-ca-file</c> PEM bundle (at least one, else a clear error).</summary>
    static X509Certificate2Collection ReadCa(string path)
    {
        var certificates = new X509Certificate2Collection();
        try { certificates.ImportFromPemFile(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"--oidc-ca-file cannot be read as PEM certificates: {e.Message}");
        }
        if (certificates.Count == 0) throw new ArgumentException("--oidc-ca-file holds no PEM certificate");
        return certificates;
    }

    /// <summary>A comma-separated list, trimmed, empty entries dropped.</summary>
    public static string[] List(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>True for an http authority the router may talk to without TLS: loopback only.</summary>
    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
