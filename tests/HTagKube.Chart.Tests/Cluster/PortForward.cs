using System.Diagnostics;
using System.Text.RegularExpressions;
using HTagKube.Chart.Tests.Infrastructure;

namespace HTagKube.Chart.Tests.Cluster;

/// <summary>
/// <c>kubectl port-forward --address 127.0.0.1</c> to a Service: the cluster's router on a loopback origin of this
/// machine (a free port kubectl picks), for a browser whose cookies and OpenID redirect URIs need one.
/// </summary>
public sealed partial class PortForward : IAsyncDisposable
{
    readonly AnnouncingProcess _kubectl;

    PortForward(AnnouncingProcess kubectl, Uri address) { _kubectl = kubectl; Address = address; }

    /// <summary>http://127.0.0.1:PORT/.</summary>
    public Uri Address { get; }

    [GeneratedRegex(@"Forwarding from 127\.0\.0\.1:(\d+) ->")] private static partial Regex ForwardingRx();

    public static async Task<PortForward> StartAsync(string ns, string service, int port, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Tool.Find("kubectl"));
        foreach (var a in new[] { "-n", ns, "port-forward", "--address", "127.0.0.1", "svc/" + service, ":" + port }) psi.ArgumentList.Add(a);
        var kubectl = await AnnouncingProcess.StartAsync(psi, ForwardingRx(), TimeSpan.FromSeconds(60), ct);
        return new PortForward(kubectl, new Uri($"http://127.0.0.1:{kubectl.Announcement.Groups[1].Value}/"));
    }

    public ValueTask DisposeAsync() => _kubectl.DisposeAsync();
}
