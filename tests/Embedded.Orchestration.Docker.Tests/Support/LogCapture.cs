using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>Keeps the cluster's log messages, so that a test can wait for what the engine gives no notification of.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _messages = new();

    public ILogger CreateLogger(string categoryName) => new Logger(_messages);

    public void Dispose() { }

    /// <summary>Waits until a message containing <paramref name="text"/> has been logged (bounded: a hang guard).</summary>
    public async Task WaitForAsync(string text, TimeSpan guard)
    {
        using var timeout = new CancellationTokenSource(guard);
        while (!_messages.Any(m => m.Contains(text, StringComparison.Ordinal)))
        {
            if (timeout.IsCancellationRequested) throw new TimeoutException($"nothing logged '{text}' within {guard}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        }
    }

    private sealed class Logger(ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue(formatter(state, exception));
    }
}
