using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HTagKube.Chart.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace HTagKube.Chart.Tests.Cluster;

/// <summary>
/// Issue 17 end to end in Kubernetes: the chart with <c>auth.oidc.*</c>, and Chromium signing in through the in-cluster
/// router at a real OpenID provider (oidc-provider under node on this machine).
/// <para>
/// Where things listen, and why: the provider serves https on the docker0 bridge address 172.17.0.1 (the one host
/// address pods reach, by this workplace's network rule; never 0.0.0.0), with a certificate of a CA generated here,
/// which the router trusts through <c>auth.oidc.caConfigMap</c> (<c>--oidc-ca-file</c>). The browser reaches the router
/// through a <see cref="ServiceRelay"/> on 127.0.0.1: the provider's static client is a native one, whose http redirect
/// URIs must be loopback (any port), and a loopback origin is also one Chromium treats as secure.
/// </para>
/// One test, because each step needs the previous one's state and an install costs tens of seconds.
/// </summary>
public sealed class SignInClusterTests(ITestOutputHelper output)
{
    static readonly TimeSpan PodStart = TimeSpan.FromSeconds(180);

    [ClusterFact]
    public async Task Sign_in_through_the_in_cluster_router_one_userpod_per_person_allow_list_and_logout()
    {
        HTagKube.Testing.Cluster.Require();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        var ct = cts.Token;
        var kube = new Kube(Kube.NewNamespace("htag-signin"));
        var installed = false;
        await LocalImages.EnsureAsync(output.WriteLine, ct);
        using var tls = TestCertificates.Create(IPAddress.Parse("172.17.0.1"));
        await using var provider = await TestProvider.StartAsync("172.17.0.1", tls);
        await Tool.KubectlAsync(ct, "create", "namespace", kube.Namespace);
        try
        {
            Step($"provider {provider.Authority}; its CA and the client secret into the namespace");
            await kube.KubectlAsync(ct, "create", "configmap", "oidc-ca", "--from-file=ca.crt=" + tls.CaFile);
            await kube.KubectlAsync(ct, "create", "secret", "generic", "htag-oidc", "--from-literal=client-secret=" + TestProvider.ClientSecret);

            Step("helm install with auth.oidc.*");
            var install = await Tool.HelmAsync(ct,
                "install", HelmChart.Release, Repo.Chart, "-n", kube.Namespace, "-f", Path.Combine(Repo.Chart, "values-local.yaml"),
                "--set", "router.replicas=1", "--set", "router.resources.requests.cpu=10m", "--set", "warmPool.size=0",
                "--set", "auth.oidc.enabled=true", "--set", "auth.oidc.authority=" + provider.Authority,
                "--set", "auth.oidc.clientId=" + TestProvider.ClientId, "--set", "auth.oidc.existingSecret=htag-oidc",
                "--set", "auth.oidc.scopes=openid profile email groups", "--set", "auth.oidc.allowedGroups={staff}",
                "--set", "auth.oidc.logoutEndsSession=true", "--set", "auth.oidc.caConfigMap=oidc-ca",
                "--wait", "--timeout", "4m");
            installed = true;
            Assert.True(install.Ok, $"helm install failed: {install}\n{await kube.DiagnoseAsync()}");

            await using var forward = await ServiceRelay.StartAsync(kube, "htag-router", 80, ct);
            var counter = new Uri(forward.Address, "counter");
            Step($"Alice signs in at {counter}");
            var browser = await DebianChromium.SharedAsync();
            await using var first = await NewContextAsync(browser);
            var page = await first.NewPageAsync();
            await Browsing.SignInAsync(page, counter, TestProvider.Alice);
            await ExpectCountAsync(page, "0");
            await page.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
            await ExpectCountAsync(page, "1");

            Step("one HTagSession for Alice: her display name, never her subject");
            var alice = UserKey(provider.Authority, TestProvider.Alice.Sub);
            var sessions = await kube.ListAsync("htagsessions", ct);
            var session = Assert.Single(sessions)!;
            Assert.Equal(alice, (string?)session["spec"]!["userKey"]);
            await Eventually.True(async () => (string?)(await kube.ListAsync("htagsessions", ct)).Single()!["status"]?["displayName"] == TestProvider.Alice.Name,
                TimeSpan.FromSeconds(60), "the HTagSession's status names Alice", ct, kube.DiagnoseAsync);
            var table = await kube.KubectlAsync(ct, "get", "htagsessions");
            output.WriteLine(table);
            Assert.Contains(TestProvider.Alice.Name!, table);
            var podName = (string)(await kube.ListAsync("htagsessions", ct)).Single()!["status"]!["podName"]!;
            var resources = await kube.KubectlAsync(ct, "get", "htagsessions,pods,secrets", "-o", "json");
            Assert.DoesNotContain(TestProvider.Alice.Sub, resources);

            Step("Alice in a second browser: the same userpod, the same counter");
            await using var second = await NewContextAsync(browser);
            var page2 = await second.NewPageAsync();
            await Browsing.SignInAsync(page2, counter, TestProvider.Alice);
            await ExpectCountAsync(page2, "1");
            await page2.GetByRole(AriaRole.Button, new() { Name = "+1" }).ClickAsync();
            await ExpectCountAsync(page2, "2");
            var sessionsNow = await kube.ListAsync("htagsessions", ct);
            Assert.Equal(podName, (string?)Assert.Single(sessionsNow)!["status"]!["podName"]);
            // Logout ends the userpod, not the person's other logins: this browser's live page would reconnect and
            // start a new session for her after the logout below (seen in the first runs of this test). Closed here.
            await second.CloseAsync();

            Step("Carol (not in group staff): the 403 page, and no HTagSession or pod");
            await using var outsider = await NewContextAsync(browser);
            var res = await Browsing.SignInAsync(await outsider.NewPageAsync(), counter, TestProvider.Carol);
            Assert.Equal(403, res!.Status);
            Assert.Contains("Not allowed", await res.TextAsync());
            Assert.Single(await kube.ListAsync("htagsessions", ct));
            Assert.Single(await kube.ListAsync("pods", ct, "htagkube.io/session"));

            Step("Alice logs out (auth.oidc.logoutEndsSession=true): her HTagSession and its pod end");
            await Browsing.SignOutAsync(page, forward.Address);
            await Eventually.True(async () =>
                    (await kube.ListAsync("htagsessions", ct)).Count == 0 && (await kube.ListAsync("pods", ct, "htagkube.io/session")).Count == 0,
                TimeSpan.FromSeconds(120), "Alice's HTagSession and userpod gone after logout", ct,
                async () => await kube.DiagnoseAsync() + "\n" + await kube.KubectlAsync(ct, "get", "htagsessions", "-o", "yaml"));
        }
        finally
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            if (installed) await Tool.HelmAsync(cleanup.Token, "uninstall", HelmChart.Release, "-n", kube.Namespace, "--wait", "--timeout", "2m");
            await Tool.KubectlAsync(cleanup.Token, "delete", "namespace", kube.Namespace, "--wait=false");
        }
    }

    /// <summary>
    /// A browser of its own. Chromium does not know the generated CA: the provider's own pages are let through (the
    /// router's calls to the provider are the ones checked, by the router against the CA). Generous waits: a loaded
    /// 2-core machine with a cluster on it.
    /// </summary>
    static async Task<IBrowserContext> NewContextAsync(IBrowser browser)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        context.SetDefaultTimeout(120_000);
        context.SetDefaultNavigationTimeout(120_000);
        return context;
    }

    void Step(string what) => output.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {what}");

    /// <summary>The Counter's number, waiting through the router's self-retrying "starting" page while the pod starts.</summary>
    static Task ExpectCountAsync(IPage page, string count) =>
        Assertions.Expect(page.Locator(".count")).ToHaveTextAsync(new Regex($@"^\s*{count}\s*$"), new() { Timeout = (float)PodStart.TotalMilliseconds });

    /// <summary>A signed-in person's userKey: hex(SHA-256("oidc\n" + issuer + "\n" + subject))[..32] (docs/design.md §6).</summary>
    static string UserKey(string issuer, string subject) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"oidc\n{issuer}\n{subject}")))[..32];
}
