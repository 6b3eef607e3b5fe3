using System.Diagnostics;
using System.Reflection;

namespace HTag.Server.Tests;

/// <summary>The demo userpod as the router runs it: a process on port 0 that prints its bound address.</summary>
public sealed class DemoProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly List<string> _output = [];

    DemoProcess(Process p) => _process = p;

    public string BaseUrl { get; private set; } = "";
    public Process Process => _process;
    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    internal static string DemoDll
    {
        get
        {
            var config = typeof(DemoProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var dll = Path.Combine(dir.FullName, "userpod", "Demo", "bin", config, "net10.0", "HTagKube.Demo.dll");
                if (File.Exists(dll)) return dll;
            }
            throw new FileNotFoundException("HTagKube.Demo.dll not built");
        }
    }

    /// <summary>Starts the demo program and waits for its listening line.</summary>
    /// <param name="token">Its HTAG_TOKEN.</param>
    /// <param name="env">More environment variables.</param>
    /// <param name="urls">The <c>--urls</c> argument; null to pass none (the environment decides).</param>
    public static async Task<DemoProcess> StartAsync(string token, IDictionary<string, string>? env = null, string? urls = "http://127.0.0.1:0")
    {
        // stdin too, as the router does: the test holds the pipe (HTAG_LIFELINE).
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(DemoDll);
        if (urls is not null)
        {
            psi.ArgumentList.Add("--urls");
            psi.ArgumentList.Add(urls);
        }
        psi.Environment.Remove("ASPNETCORE_URLS");
        psi.Environment["HTAG_TOKEN"] = token;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var demo = new DemoProcess(Process.Start(psi)!);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        demo._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (demo._output) demo._output.Add(e.Data);
            if (e.Data.StartsWith("htag-listening: ", StringComparison.Ordinal)) listening.TrySetResult(e.Data["htag-listening: ".Length..]);
        };
        demo._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (demo._output) demo._output.Add(e.Data); };
        demo._process.BeginOutputReadLine();
        demo._process.BeginErrorReadLine();
        demo.BaseUrl = (await listening.Task.WaitAsync(TimeSpan.FromSeconds(30))).TrimEnd('/');
        return demo;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
