namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>The real router program in Kubernetes mode (<c>--kubernetes --redis</c>) as a child process.</summary>
public sealed class RouterProcess : IAsyncDisposable
{
    readonly ServerProgram _program;

    RouterProcess(ServerProgram program) => _program = program;

    public Uri BaseAddress => _program.BaseAddress;
    public IEnumerable<string> Log => _program.Lines;

    public static async Task<RouterProcess> StartAsync(string ns, string redis, TimeSpan idleTimeout) =>
        new(await ServerProgram.StartAsync(Path.Combine(AppContext.BaseDirectory, "HTagKube.Router.dll"),
            ["--kubernetes", "--redis", redis, "--idle-timeout", idleTimeout.ToString("c"), "--touch-interval", "00:00:01"],
            "healthz", new Dictionary<string, string> { ["HTAGKUBE_NAMESPACE"] = ns }));

    public ValueTask DisposeAsync() => _program.DisposeAsync();
}
