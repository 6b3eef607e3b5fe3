using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HTagKube.Testing;

/// <summary>A test user of the <see cref="TestProvider"/>.</summary>
public sealed record TestUser(string Sub, string Username, string Password, string? Name, string? Email, string[] Groups);

/// <summary>
/// A real OpenID provider (the npm package oidc-provider, tests/HTagKube.Testing/OidcProvider/server.mjs under node)
/// on loopback (or the docker0 bridge address, for the cluster test), over http or, with a <see cref="TestCertificates"/>
/// server certificate, https; test users sign in by password to one static client. Its node_modules come from
/// <c>make test-deps</c> (make test and .ci/run run it).
/// </summary>
public sealed class TestProvider : IAsyncDisposable
{
    public const string ClientId = "htagkube-router", ClientSecret = "test-client-secret";

    readonly AnnouncingProcess _node;

    TestProvider(AnnouncingProcess node, Uri issuer) { _node = node; Issuer = issuer; }

    /// <summary>The issuer URL (the router's <c>--oidc-authority</c>).</summary>
    public Uri Issuer { get; }

    public string Authority => Issuer.ToString().TrimEnd('/');

    public static readonly TestUser Alice = new("sub-alice", "alice", "alice-pw", "Alice Example", "alice@example.com", ["staff"]);
    public static readonly TestUser Bob = new("sub-bob", "bob", "bob-pw", "Bob Example", "bob@example.com", ["staff"]);
    public static readonly TestUser Carol = new("sub-carol", "carol", "carol-pw", "Carol Outsider", "carol@elsewhere.org", ["guests"]);
    public static readonly TestUser Dana = new("sub-dana", "dana", "dana-pw", "Dana Admin", "dana@example.com", ["staff", "admins"]);
    public static readonly TestUser[] Users = [Alice, Bob, Carol, Dana];

    static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "HTagKube.Testing", "OidcProvider");
                if (File.Exists(Path.Combine(candidate, "server.mjs"))) return candidate;
            }
            throw new DirectoryNotFoundException("tests/HTagKube.Testing/OidcProvider not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Starts the provider on <paramref name="host"/>; with <paramref name="tls"/>, on https with its server certificate.
    /// <paramref name="redirectUris"/>: the client's only redirect URIs, exactly (default: http loopback ones, any port).</summary>
    public static async Task<TestProvider> StartAsync(string host = "127.0.0.1", TestCertificates? tls = null,
        IReadOnlyList<string>? redirectUris = null)
    {
        var folder = Folder;
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "oidc-provider")))
            throw new InvalidOperationException($"run `make test-deps` first (npm ci in {folder}; make test does)");
        var psi = new ProcessStartInfo("node", "server.mjs") { WorkingDirectory = folder };
        psi.Environment["OIDC_CLIENT_ID"] = ClientId;
        psi.Environment["OIDC_CLIENT_SECRET"] = ClientSecret;
        psi.Environment["OIDC_HOST"] = host;
        if (redirectUris is not null) psi.Environment["OIDC_REDIRECT_URIS"] = JsonSerializer.Serialize(redirectUris);
        if (tls is not null)
        {
            psi.Environment["OIDC_TLS_CERT"] = tls.ServerCertFile;
            psi.Environment["OIDC_TLS_KEY"] = tls.ServerKeyFile;
        }
        psi.Environment["OIDC_USERS"] = JsonSerializer.Serialize(Users.Select(u => new Dictionary<string, object?>
        {
            ["sub"] = u.Sub, ["username"] = u.Username, ["password"] = u.Password, ["name"] = u.Name, ["email"] = u.Email,
            ["groups"] = u.Groups,
        }));
        var node = await AnnouncingProcess.StartAsync(psi, new Regex("^oidc-provider-listening: (.+)$"), TimeSpan.FromSeconds(60));
        return new TestProvider(node, new Uri(node.Announcement.Groups[1].Value.Trim()));
    }

    /// <summary>Router flags for this provider (client secret in a file, as the chart mounts it).</summary>
    public string[] RouterArgs(string secretFile, params string[] more)
    {
        File.WriteAllText(secretFile, ClientSecret + "\n");
        return ["--oidc-authority", Authority, "--oidc-client-id", ClientId, "--oidc-client-secret-file", secretFile,
            "--oidc-scopes", "openid profile email groups", .. more];
    }

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
