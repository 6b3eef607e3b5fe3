using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace HTagKube.Testing;

/// <summary>
/// Debian's nginx in front of a router, configured as ingress-nginx configures its controller by default: TLS
/// termination (a test CA's certificate), HTTP/2 to the client and HTTP/1.1 upstream, <c>X-Forwarded-For</c>
/// overwritten with the peer's address (no full chain), <c>X-Forwarded-Proto/Host/Port</c> set, request buffering on,
/// a 1m body limit, 60 s read and send timeouts, WebSocket upgrade passed through. What the chart's ingress
/// annotations change (body size, buffering) is given by <see cref="Settings"/>.
/// </summary>
public sealed class IngressNginx : IAsyncDisposable
{
    /// <summary>What an ingress annotation would set; the defaults are ingress-nginx's own.</summary>
    /// <param name="ProxyBodySize">nginx.ingress.kubernetes.io/proxy-body-size (default 1m).</param>
    /// <param name="ProxyRequestBuffering">nginx.ingress.kubernetes.io/proxy-request-buffering (default on).</param>
    /// <param name="ProxyReadTimeoutSeconds">nginx.ingress.kubernetes.io/proxy-read-timeout (default 60).</param>
    public sealed record Settings(string ProxyBodySize = "1m", bool ProxyRequestBuffering = true, int ProxyReadTimeoutSeconds = 60)
    {
        /// <summary>
        /// What the chart's ingress sets for className nginx: proxy-body-size from values.yaml's
        /// <c>router.ingress.maxBodySize</c>, buffering and read timeout from templates/router-ingress.yaml, read from
        /// charts/ (no copy of the values here, so a change to the chart is what the test runs).
        /// </summary>
        public static Settings FromChart()
        {
            var charts = ChartsFolder();
            var values = File.ReadAllText(Path.Combine(charts, "values.yaml"));
            var template = File.ReadAllText(Path.Combine(charts, "templates", "router-ingress.yaml"));
            var body = Regex.Match(values, @"^    maxBodySize: *""?([0-9]+[kKmMgG]?)""?", RegexOptions.Multiline);
            var buffering = Annotation(template, "proxy-request-buffering");
            var read = Annotation(template, "proxy-read-timeout");
            if (!body.Success) throw new InvalidOperationException("router.ingress.maxBodySize not found in charts/values.yaml");
            return new Settings(body.Groups[1].Value, buffering != "off", int.Parse(read, CultureInfo.InvariantCulture));
        }

        static string Annotation(string template, string name)
        {
            var m = Regex.Match(template, $@"""nginx\.ingress\.kubernetes\.io/{name}"" ""([^""]+)""");
            return m.Success ? m.Groups[1].Value
                : throw new InvalidOperationException($"annotation {name} not found in charts/templates/router-ingress.yaml");
        }

        static string ChartsFolder()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "charts");
                if (File.Exists(Path.Combine(candidate, "values.yaml"))) return candidate;
            }
            throw new DirectoryNotFoundException("charts/values.yaml not found above " + AppContext.BaseDirectory);
        }
    }

    const string NginxBinary = "/usr/sbin/nginx";
    readonly Process _process;
    readonly string _folder;

    IngressNginx(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    /// <summary>The https port nginx listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>https://127.0.0.1:port/ — the address browsers and clients use.</summary>
    public Uri BaseUri => new($"https://127.0.0.1:{Port}/");

    /// <summary>True when Debian's nginx is installed (.ci/run installs it).</summary>
    public static bool Available => File.Exists(NginxBinary);

    /// <summary>
    /// Starts nginx on a free 127.0.0.1 port proxying to <paramref name="upstream"/> (the router), serving
    /// <paramref name="certificates"/>' server certificate, and waits until it accepts connections. <paramref name="port"/>:
    /// one chosen before (<see cref="ServerProgram.FreePortBelowEphemeralRange"/>) when something must know it first.
    /// </summary>
    public static async Task<IngressNginx> StartAsync(Uri upstream, TestCertificates certificates, Settings? settings = null,
        int? port = null, CancellationToken ct = default)
    {
        if (!Available) throw new InvalidOperationException($"{NginxBinary} is missing: apt-get install nginx");
        settings ??= new Settings();
        var folder = Directory.CreateTempSubdirectory("htagkube-nginx-").FullName;
        var listen = port ?? ServerProgram.FreePortBelowEphemeralRange();
        var config = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(config, Config(folder, listen, upstream, certificates, settings), ct);

        var psi = new ProcessStartInfo(NginxBinary)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-p", folder, "-c", config, "-e", Path.Combine(folder, "error.log") }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("nginx did not start");
        var nginx = new IngressNginx(process, folder, listen);
        try
        {
            await Eventually.True(async () =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"nginx exited ({process.ExitCode}): {await process.StandardError.ReadToEndAsync(ct)}"
                        + nginx.ErrorLog());
                using var client = new TcpClient();
                try { await client.ConnectAsync(IPAddress.Loopback, listen, ct); return true; }
                catch (SocketException) { return false; }
            }, TimeSpan.FromSeconds(20), $"nginx listening on 127.0.0.1:{listen}", ct);
            return nginx;
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A client of this nginx as a browser at <paramref name="from"/> (a loopback address such as 127.0.0.7: nginx
    /// sees it as the peer and writes it into <c>X-Forwarded-For</c>), over HTTP/2 and TLS trusting only
    /// <paramref name="tls"/>'s CA, with its own cookie jar, following no redirects.
    /// </summary>
    public HttpClient NewClient(IPAddress from, TestCertificates tls)
    {
        var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(tls.CaPem);
        var handler = new SocketsHttpHandler
        {
            UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        handler.SslOptions.CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
        {
            TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
            RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            CustomTrustStore = { ca },
        };
        return new HttpClient(handler)
        {
            BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(60),
            DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>nginx's error log so far (for a failing test's message).</summary>
    public string ErrorLog()
    {
        var file = Path.Combine(_folder, "error.log");
        return File.Exists(file) ? File.ReadAllText(file) : "";
    }

    /// <summary>nginx's access log so far: one line per request, <c>$remote_addr "$request" $status</c>.</summary>
    public string AccessLog()
    {
        var file = Path.Combine(_folder, "access.log");
        return File.Exists(file) ? File.ReadAllText(file) : "";
    }

    // The proxy part mirrors ingress-nginx's template (rootfs/etc/nginx/template/nginx.tmpl) for a plain Ingress path:
    // the same proxy_set_header lines, the upgrade map, HTTP/1.1 upstream, and the timeouts/body settings it derives
    // from annotations.
    static string Config(string folder, int port, Uri upstream, TestCertificates tls, Settings s) => $$"""
        daemon off;
        master_process on;
        worker_processes 1;
        pid {{folder}}/nginx.pid;
        user root;
        events { worker_connections 1024; }
        http {
            access_log {{folder}}/access.log;
            client_body_temp_path {{folder}}/client_body;
            proxy_temp_path {{folder}}/proxy;
            fastcgi_temp_path {{folder}}/fastcgi;
            uwsgi_temp_path {{folder}}/uwsgi;
            scgi_temp_path {{folder}}/scgi;
            map $http_upgrade $connection_upgrade { default upgrade; '' close; }
            server {
                listen 127.0.0.1:{{port}} ssl http2;
                server_name _;
                ssl_certificate {{tls.ServerCertFile}};
                ssl_certificate_key {{tls.ServerKeyFile}};
                client_max_body_size {{s.ProxyBodySize}};
                location / {
                    proxy_http_version 1.1;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection $connection_upgrade;
                    proxy_set_header Host $host:$server_port;
                    proxy_set_header X-Request-ID $request_id;
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $remote_addr;
                    proxy_set_header X-Forwarded-Host $host;
                    proxy_set_header X-Forwarded-Port $server_port;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_set_header X-Forwarded-Scheme $scheme;
                    proxy_set_header X-Scheme $scheme;
                    proxy_connect_timeout 5s;
                    proxy_send_timeout 60s;
                    proxy_read_timeout {{s.ProxyReadTimeoutSeconds}}s;
                    proxy_buffering off;
                    proxy_request_buffering {{(s.ProxyRequestBuffering ? "on" : "off")}};
                    proxy_pass {{upstream.GetLeftPart(UriPartial.Authority)}};
                }
            }
        }
        """;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
