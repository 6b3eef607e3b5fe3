using HTagKube.Contract;
using System.Diagnostics;
using HTagKube.Routing;

namespace HTagKube.Router.Provisioning;

/// <summary>
/// Starts one userpod process: fresh token, <c>--urls http://127.0.0.1:0</c>, reads the
/// <c>htag-listening:</c> line for the real port, waits for <c>/healthz</c>.
/// </summary>
public sealed class UserpodLauncher(UserpodCommand command, HttpMessageInvoker http, bool detach, ILogger logger)
{
    /// <summary>Starts a userpod and returns it once healthy; kills it on any failure.</summary>
    /// <param name="userKey">The user it is for; empty for a warm-pool userpod (which then warms up before announcing itself).</param>
    /// <param name="timeout">Start to healthy.</param>
    /// <param name="ct">Cancels the start (the process is killed).</param>
    public async Task<UserpodProcess> StartAsync(string userKey, TimeSpan timeout, CancellationToken ct)
    {
        var token = Tokens.New();
        Process process;
        try
        {
            process = Process.Start(command.ToStartInfo(token, detach, warmUp: userKey.Length == 0))
                      ?? throw new ProvisioningException("userpod did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ProvisioningException($"cannot start userpod command '{command.FileName}': {e.Message}", e);
        }

        // stdin stays open: it is the userpod's lifeline (HTAG_LIFELINE), ending when this router's process does.
        // Its lines are tagged with the session's user as it is now: a warm userpod's changes when a user claims it.
        // Both readers belong to the process (UserpodProcess awaits them): they end when its pipes close.
        UserpodProcess? started = null;
        string UserKeyNow() => started?.UserKey ?? userKey;
        var errors = DrainErrorsAsync(process.StandardError, process.Id, UserKeyNow);
        var output = Task.CompletedTask;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            var endpoint = await ReadListeningAsync(process, cts.Token);
            output = DrainAsync(process, UserKeyNow);
            await WaitHealthyAsync(process, endpoint, cts.Token);
            var route = new RouteEntry(endpoint, RouteEntry.LocalSessionPrefix + process.Id, token, DateTimeOffset.UtcNow);
            return started = new UserpodProcess(userKey, route, process, adopted: false, Task.WhenAll(errors, output));
        }
        catch (Exception e)
        {
            // Not the tree: that SIGSTOPs first, and a router dying before the SIGKILL would leave it stopped (UserpodProcess.Kill).
            try { process.Kill(entireProcessTree: false); } catch (InvalidOperationException) { }
            await Task.WhenAny(Task.WhenAll(errors, output), Task.Delay(TimeSpan.FromSeconds(1)));
            process.Dispose();
            if (e is ProvisioningException) throw;
            if (e is OperationCanceledException && !ct.IsCancellationRequested)
                throw new ProvisioningException($"userpod not healthy within {timeout.TotalSeconds:0.#} s", e);
            throw new ProvisioningException("userpod start failed: " + e.Message, e);
        }
    }

    static async Task<string> ReadListeningAsync(Process process, CancellationToken ct)
    {
        while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith(UserpodProtocol.ListeningPrefix, StringComparison.Ordinal)) continue;
            var text = line[UserpodProtocol.ListeningPrefix.Length..].Trim();
            // Only a loopback http address is accepted: a userpod cannot point the router elsewhere.
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == "http"
                && System.Net.IPAddress.TryParse(uri.Host, out var ip) && System.Net.IPAddress.IsLoopback(ip)
                && uri.Port > 0)
                return $"{uri.Host}:{uri.Port}";
            throw new ProvisioningException($"userpod announced an unusable address '{text}'");
        }
        await process.WaitForExitAsync(ct);
        throw new ProvisioningException($"userpod exited with code {process.ExitCode} before listening");
    }

    async Task WaitHealthyAsync(Process process, string endpoint, CancellationToken ct)
    {
        var uri = new Uri($"http://{endpoint}{UserpodProtocol.HealthPath}");
        var delay = 10;
        while (true)
        {
            if (process.HasExited) throw new ProvisioningException($"userpod exited with code {process.ExitCode} before healthy");
            try
            {
                using var req = new HttpRequestMessage(HttpMethod.Get, uri);
                using var res = await http.SendAsync(req, ct);
                if (res.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { /* not accepting yet */ }
            await Task.Delay(delay, ct); // polling a child's health endpoint; backs off to 100 ms
            delay = Math.Min(delay * 2, 100);
        }
    }

    async Task DrainErrorsAsync(StreamReader stderr, int pid, Func<string> userKey)
    {
        try
        {
            while (await stderr.ReadLineAsync() is { } line)
                logger.LogWarning("userpod {UserKey} pid {Pid} stderr: {Line}", userKey(), pid, line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
    }

    async Task DrainAsync(Process process, Func<string> userKey)
    {
        // The pipe must be read, or a chatty userpod blocks on a full pipe. Its lines go to our log: the app authors'
        // own information lines (category app/…, Tag.Log) as information, the framework's at debug level.
        try
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
                logger.Log(line.StartsWith("info: app/", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Debug,
                    "userpod {UserKey} pid {Pid}: {Line}", userKey(), process.Id, line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
    }
}
