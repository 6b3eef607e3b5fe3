using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace HTag.Hosting;

/// <summary>
/// Where to listen, from ASP.NET Core's standard settings: <c>--urls</c> / <c>ASPNETCORE_URLS</c> (";"-separated),
/// else <c>ASPNETCORE_HTTP_PORTS</c> (all interfaces), else the standalone default http://127.0.0.1:5000.
/// Plain http only: a userpod is reached through the router, which terminates TLS.
/// </summary>
static class ListenAddresses
{
    public const string StandaloneDefault = "http://127.0.0.1:5000";

    /// <summary>The configured URLs (not yet bound: port 0 stays 0).</summary>
    public static IReadOnlyList<string> From(IConfiguration c)
    {
        var urls = c["urls"];
        if (!string.IsNullOrWhiteSpace(urls)) return Split(urls);
        var ports = c["http_ports"];
        if (!string.IsNullOrWhiteSpace(ports)) return Split(ports).Select(p => "http://*:" + p).ToList();
        return [StandaloneDefault];
    }

    /// <summary>True when the configuration names any address (else standalone: loopback only).</summary>
    public static bool Configured(IConfiguration c) => !string.IsNullOrWhiteSpace(c["urls"]) || !string.IsNullOrWhiteSpace(c["http_ports"]);

    static List<string> Split(string value) =>
        value.Split(';', ',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>Host and port of an <c>http://host:port[/]</c> URL (port 0–65535; the host as written, IPv6 in brackets).</summary>
    public static bool TryParse(string url, out string host, out int port)
    {
        host = "";
        port = 0;
        const string scheme = "http://";
        if (!url.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var hostPort = url[scheme.Length..].TrimEnd('/');
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || hostPort.EndsWith(']')
            || !int.TryParse(hostPort[(colon + 1)..], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out port)
            || port > 65535)
            return false;
        host = hostPort[..colon];
        return true;
    }

    /// <summary>True for the hosts that mean "every interface".</summary>
    public static bool IsWildcard(string host) => host is "+" or "*" or "[::]" or "0.0.0.0";

    /// <summary>Adds one Kestrel endpoint per URL; throws <see cref="ArgumentException"/> with the URL for what it cannot serve.</summary>
    public static void Apply(KestrelServerOptions kestrel, IEnumerable<string> urls)
    {
        foreach (var url in urls)
        {
            if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"cannot listen on '{url}': only http:// URLs (the router terminates TLS)");
            if (!TryParse(url, out var host, out var port))
                throw new ArgumentException($"cannot listen on '{url}': expected http://host:port");
            if (IsWildcard(host)) kestrel.ListenAnyIP(port);
            else if (host == "localhost") kestrel.ListenLocalhost(port);
            else if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) kestrel.Listen(ip, port);
            else throw new ArgumentException($"cannot listen on '{url}': the host must be an IP address, localhost or a wildcard");
        }
    }
}
