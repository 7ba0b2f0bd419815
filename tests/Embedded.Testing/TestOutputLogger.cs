using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Embedded.Testing;

/// <summary>Sends the cluster's logs to the test's output, so a failing test shows what happened.</summary>
public sealed class TestOutputLoggerProvider(ITestOutputHelper output, LogLevel minimum = LogLevel.Debug) : ILoggerProvider
{
    public static ILoggerFactory Factory(ITestOutputHelper output, LogLevel minimum = LogLevel.Debug) =>
        LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(new TestOutputLoggerProvider(output, minimum)));

    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName[(categoryName.LastIndexOf('.') + 1)..], minimum);

    public void Dispose() { }

    private sealed class Logger(ITestOutputHelper output, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test has ended; late logs have nowhere to go.
            }
        }
    }
}
