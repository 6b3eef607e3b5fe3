using HTagKube.Contract;
using System.Net;
using HTagKube.Router.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace HTagKube.Router.State;

/// <summary>
/// The base URL userpods are told (<c>X-HTag-State-Url</c>) to reach this router's state endpoint at: <c>--state-url</c>
/// when given; in Kubernetes mode <c>http://{HTAGKUBE_POD_IP}:{port}</c> (the chart passes the pod IP through the
/// downward API: a userpod must reach this very router's pod, any replica would do but the Service may not be routable
/// from userpods); otherwise the router's own bound address on loopback (local userpods run on this machine). Worked
/// out once the server is bound (port 0 is only known then). In Kubernetes mode with neither, no address is told: a
/// userpod's loopback is not this router's, so its sessions stay in its memory (warned once at start).
/// </summary>
public sealed class StateAddress(RouterOptions options, IServer server, ILogger<StateAddress> log)
{
    /// <summary>The router pod's IP (Kubernetes downward API, <c>status.podIP</c>).</summary>
    public const string PodIpVariable = RouterEnvironment.PodIp;

    readonly bool _unreachable = options.StateUrl is null && options.Kubernetes
        && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PodIpVariable));
    int _warned;
    string? _url;

    /// <summary>The URL; null while the server has no bound address yet, or when userpods could not reach it.</summary>
    public string? Url
    {
        get
        {
            if (Volatile.Read(ref _url) is { } known) return known;
            if (_unreachable)
            {
                if (Interlocked.Exchange(ref _warned, 1) == 0)
                    log.LogWarning("--kubernetes without {Variable} nor --state-url: userpods cannot reach this router, so users' "
                        + "sessions are not kept beyond their userpods", PodIpVariable);
                return null;
            }
            var resolved = options.StateUrl ?? Resolve();
            if (resolved is not null) Volatile.Write(ref _url, resolved);
            return resolved;
        }
    }

    string? Resolve()
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (bound.Count == 0) return null;
        return FromBound(bound, options.Kubernetes ? Environment.GetEnvironmentVariable(PodIpVariable) : null);
    }

    /// <summary>
    /// The URL for bound addresses (<c>http://localhost:8000</c>, <c>http://[::]:8000</c>, <c>http://127.0.0.1:0</c>
    /// after binding…): plain http first, a wildcard or <c>localhost</c> host becomes 127.0.0.1, and with a pod IP
    /// the host is that IP. Null when nothing usable is bound.
    /// </summary>
    public static string? FromBound(IEnumerable<string> addresses, string? podIp)
    {
        var parsed = addresses
            .Select(a => a.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"))
            .Select(a => Uri.TryCreate(a, UriKind.Absolute, out var u) ? u : null)
            .OfType<Uri>()
            .OrderBy(u => u.Scheme == "http" ? 0 : 1)
            .FirstOrDefault();
        if (parsed is null) return null;
        string host;
        if (!string.IsNullOrWhiteSpace(podIp) && IPAddress.TryParse(podIp.Trim(), out var ip))
            host = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        else if (IPAddress.TryParse(parsed.Host.Trim('[', ']'), out var bound) && !bound.Equals(IPAddress.Any)
                 && !bound.Equals(IPAddress.IPv6Any))
            host = parsed.Host;
        else host = "127.0.0.1"; // localhost, a wildcard or a name: loopback is where this machine's userpods reach it
        return $"{parsed.Scheme}://{host}:{parsed.Port}";
    }
}
