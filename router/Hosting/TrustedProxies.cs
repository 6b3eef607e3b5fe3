using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace HTagKube.Router.Hosting;

/// <summary>
/// <c>--trusted-proxies</c>: the reverse proxies (an Ingress controller, a load balancer) whose X-Forwarded-For and
/// X-Forwarded-Proto the router believes. Behind one, every user's connection comes from the proxy's address: without
/// this, all users share one per-IP session limit, and the uid cookie misses its Secure flag under TLS termination.
/// A client's own X-Forwarded-* never counts: the chain is read right to left and stops at the first hop not listed.
/// </summary>
public static class TrustedProxies
{
    /// <summary>Parses a comma- or space-separated list of addresses and CIDR ranges; throws a clear error on a bad entry.</summary>
    public static IReadOnlyList<IPNetwork> Parse(string? list)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in (list ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.Contains('/') ? TryRange(entry, out var net) : TryHost(entry, out net)) networks.Add(net);
            else
                throw new ArgumentException(
                    $"--trusted-proxies: '{entry}' is not an IP address or CIDR range (e.g. 10.0.0.0/8, fd00::/8, 192.0.2.7)");
        }
        return networks;
    }

    // Host bits set (10.0.0.1/8) is refused, not masked: it is a typo for either the range or the host.
    static bool TryRange(string entry, out IPNetwork net) =>
        IPNetwork.TryParse(entry, out net) && IPAddress.TryParse(entry[..entry.IndexOf('/')], out var ip) && ip.Equals(net.BaseAddress);

    static bool TryHost(string entry, out IPNetwork net)
    {
        net = default;
        if (!IPAddress.TryParse(entry, out var ip)) return false;
        net = new IPNetwork(ip, ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32);
        return true;
    }

    /// <summary>The forwarded-headers settings for these proxies, or null when none is trusted (the default).</summary>
    public static ForwardedHeadersOptions? Options(IReadOnlyList<IPNetwork> proxies)
    {
        if (proxies.Count == 0) return null;
        var o = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = null, // every trusted hop in a chain (load balancer → ingress → router), no further
        };
        o.KnownProxies.Clear(); // loopback is trusted by default: not here
        o.KnownIPNetworks.Clear();
        foreach (var p in proxies) o.KnownIPNetworks.Add(p);
        return o;
    }
}
