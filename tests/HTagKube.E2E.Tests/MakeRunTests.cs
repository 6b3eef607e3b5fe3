using System.Diagnostics;
using System.Net;
using HTagKube.E2E.Tests.Infrastructure;

namespace HTagKube.E2E.Tests;

/// <summary>The README's first command, as a new user types it: `make run`, then curl localhost:8000.</summary>
public sealed class MakeRunTests
{
    [Fact]
    public async Task Make_run_serves_the_counter_on_localhost_8000_with_a_uid_cookie()
    {
        // A leftover server on :8000 would make this test pass without testing `make run`.
        using (var probe = new System.Net.Sockets.TcpClient())
        {
            var taken = await probe.ConnectAsync("127.0.0.1", 8000).WaitAsync(TimeSpan.FromSeconds(2))
                .ContinueWith(t => t.IsCompletedSuccessfully);
            Assert.False(taken, "something already listens on localhost:8000; stop it before this test");
        }
        var psi = new ProcessStartInfo("make", $"run CONFIG={Repo.Configuration}")
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var make = Process.Start(psi)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        make.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        make.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        make.BeginOutputReadLine();
        make.BeginErrorReadLine();
        try
        {
            var jar = new CookieContainer();
            using var curl = new HttpClient(new HttpClientHandler { CookieContainer = jar })
            { BaseAddress = new Uri("http://localhost:8000/"), Timeout = TimeSpan.FromSeconds(30) };
            var page = await Eventually.Value(async () =>
            {
                if (make.HasExited) throw new InvalidOperationException("make run exited:\n" + string.Join('\n', output));
                try
                {
                    var r = await curl.GetAsync(CounterPage.Path);
                    return r.StatusCode == HttpStatusCode.OK ? await r.Content.ReadAsStringAsync() : null;
                }
                catch (HttpRequestException) { return null; }
                catch (TaskCanceledException) { return null; } // the first build can be slow to answer: ask again
            }, TimeSpan.FromMinutes(6), /* dotnet run builds first: over 3 min at load 59 on 2 cores */ "make run to serve http://localhost:8000/" + CounterPage.Path);

            Assert.Contains("Counter", page);
            Assert.Contains("+1", page);
            var uid = jar.GetCookies(new Uri("http://localhost:8000/"))[Cookies.UidName];
            Assert.NotNull(uid);
            Assert.True(uid!.HttpOnly);
        }
        finally
        {
            // As a user's Ctrl-C would: SIGTERM the router (make and `dotnet run` end with it), which stops
            // its userpods; whatever is left after the grace period is killed.
            foreach (var pid in ProcessTree.Descendants(make.Id))
            {
                if (ProcessTree.CommandLine(pid).Contains("HTagKube.Router", StringComparison.Ordinal)) ProcessTree.Terminate(pid);
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await make.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { make.Kill(entireProcessTree: true); }
        }
    }
}
