using Microsoft.Extensions.Logging;

namespace HTag.Hosting;

/// <summary>
/// One line per entry (<c>info: HTag[0] message</c>, the shape of ASP.NET Core's single-line console logger),
/// exceptions indented below: information on stdout, warnings and errors on stderr, which the router logs as
/// warnings of that user's userpod (stdout only at debug level). The full logging stack (dependency injection,
/// options, a queue thread) would cost every user's process memory for nothing.
/// </summary>
sealed class ConsoleLog(LogLevel minimum, LogLevel frameworkMinimum) : ILoggerProvider
{
    static readonly Lock Write = new();

    public ILogger CreateLogger(string categoryName) =>
        new Logger(categoryName, categoryName.StartsWith("Microsoft.", StringComparison.Ordinal) ? frameworkMinimum : minimum);

    public void Dispose() { }

    /// <summary>A factory with this provider only: the one Kestrel and the server log through.</summary>
    public static ILoggerFactory CreateFactory(LogLevel minimum, LogLevel frameworkMinimum) =>
        new LoggerFactory([new ConsoleLog(minimum, frameworkMinimum)]);

    sealed class Logger(string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{Level(logLevel)}: {category}[{eventId.Id}] {formatter(state, exception)}";
            if (exception is not null)
                line += Environment.NewLine + "      " + exception.ToString().Replace("\n", "\n      ", StringComparison.Ordinal);
            var to = logLevel >= LogLevel.Warning ? Console.Error : Console.Out;
            lock (Write)
            {
                to.WriteLine(line);
                to.Flush();
            }
        }

        static string Level(LogLevel l) => l switch
        {
            LogLevel.Trace => "trce", LogLevel.Debug => "dbug", LogLevel.Information => "info",
            LogLevel.Warning => "warn", LogLevel.Error => "fail", _ => "crit",
        };
    }
}
