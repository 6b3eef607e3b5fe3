using System.Diagnostics;

namespace HTag.Server.Tests;

/// <summary>
/// The userpod's own backstops against being orphaned, for when its lifeline cannot tell it the router is gone:
/// released (<c>keep</c>) with no router left, or a stdin pipe whose end never comes (another process holds it).
/// </summary>
public class UserpodBackstopTests
{
    static readonly TimeSpan Exit = TimeSpan.FromSeconds(60); // idle timeout 1 s + grace 5 s, on a loaded machine

    [Fact]
    public async Task Released_and_left_alone_the_userpod_stops_after_its_idle_timeout_and_grace()
    {
        await using var demo = await DemoProcess.StartAsync("t", new Dictionary<string, string>
        {
            ["HTAG_LIFELINE"] = "stdin",
            ["HTAG_IDLE_TIMEOUT"] = "1",
        });
        await demo.Process.StandardInput.WriteLineAsync("keep");
        await demo.Process.StandardInput.FlushAsync();
        await Eventually.True(() => demo.Output.Contains("released by the router"), TimeSpan.FromSeconds(10), "the release");
        demo.Process.StandardInput.Close(); // the router and its pipe are gone; nothing will reach it again

        await StopsIdleAsync(demo);
    }

    [Fact]
    public async Task Without_a_lifeline_the_idle_clock_runs_from_the_last_request()
    {
        await using var demo = await DemoProcess.StartAsync("t", new Dictionary<string, string> { ["HTAG_IDLE_TIMEOUT"] = "1" });
        using var http = new HttpClient();
        using var page = new HttpRequestMessage(HttpMethod.Get, demo.BaseUrl + "/counter");
        page.Headers.Add("X-HTag-Token", "t");
        (await http.SendAsync(page)).EnsureSuccessStatusCode();

        await StopsIdleAsync(demo);
    }

    /// <summary>The userpod exits cleanly by itself, saying why.</summary>
    static async Task StopsIdleAsync(DemoProcess demo)
    {
        using var cts = new CancellationTokenSource(Exit);
        await demo.Process.WaitForExitAsync(cts.Token);
        Assert.Equal(0, demo.Process.ExitCode);
        Assert.Contains("idle timeout", demo.Output);
    }

    [Fact]
    public async Task A_bad_idle_timeout_stops_the_start_with_a_message_naming_it()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(DemoProcess.DemoDll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add("http://127.0.0.1:0");
        psi.Environment["HTAG_TOKEN"] = "t";
        psi.Environment["HTAG_IDLE_TIMEOUT"] = "soon";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains("HTAG_IDLE_TIMEOUT", await stderr + await stdout);
    }

    [Fact]
    public async Task Reparented_while_its_stdin_stays_open_the_userpod_stops()
    {
        // A parent shell runs the userpod with the shell's stdin, a pipe this test keeps open: when the shell is
        // killed the pipe does not end, so only noticing the new parent can stop the userpod.
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec 3<&0; dotnet \"$0\" --urls http://127.0.0.1:0 <&3 & wait");
        psi.ArgumentList.Add(DemoProcess.DemoDll);
        psi.Environment["HTAG_TOKEN"] = "t";
        psi.Environment["HTAG_LIFELINE"] = "stdin";
        psi.Environment.Remove("HTAG_IDLE_TIMEOUT");
        using var shell = Process.Start(psi)!;
        var userpod = -1;
        try
        {
            var line = await shell.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.StartsWith("htag-listening:", line);
            userpod = Assert.Single(ProcessTree.Children(shell.Id));
            var output = shell.StandardOutput.ReadToEndAsync(); // keep its stdout drained

            shell.Kill(); // SIGKILL to the shell alone; our end of the userpod's stdin stays open
            await Eventually.True(() => !ProcessTree.IsAlive(userpod), Exit, "the reparented userpod stopped");
            Assert.Contains("router is gone", await output.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            if (userpod > 0 && ProcessTree.IsAlive(userpod)) Process.GetProcessById(userpod).Kill();
        }
    }
}
