using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>Routes component logs into the xunit output of the test that produced them.</summary>
public sealed class TestLogger(ITestOutputHelper output, string name = "") : ILogger, ILoggerProvider
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try { output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {name} {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}"); }
        catch (InvalidOperationException) { } // test already finished
    }

    public ILogger CreateLogger(string categoryName) => new TestLogger(output, categoryName);
    public void Dispose() { }
}
