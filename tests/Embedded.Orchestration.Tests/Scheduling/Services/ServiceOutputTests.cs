using System.Collections.Concurrent;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>Instances' stdout and stderr reach ILogger: a category per service, the instance id in scope, each line once.</summary>
public sealed class ServiceOutputTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    [Fact]
    public async Task Each_line_an_instance_writes_is_logged_once_under_the_services_category_with_the_instance_id()
    {
        var captured = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(captured).AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Debug));
        await using var cluster = await MiniCluster.StartAsync(1, o => o.Jobs.Enabled = false, _time, loggers);
        var go = new SemaphoreSlim(0);
        await using var web = await cluster.Services.DeployAsync(ServiceSpec.Run("web", async (ctx, ct) =>
        {
            await ctx.Stdout.WriteAsync($"hello from {ctx.TaskId}\n");
            await ctx.Stderr.WriteAsync("careful\n");
            await go.WaitAsync(ct);
            await ctx.Stdout.WriteAsync("second line\n");
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }));
        await cluster.HealthyAsync(web, _time);

        // Each look moves the clock by the output interval, so the next read comes (the delegate writes on
        // its own thread, and a read runs on its own too).
        await cluster.UntilAsync(() => captured.Lines("Embedded.Services.web").Count >= 2 || NextInterval(), "the first output to be logged");
        go.Release();
        await cluster.UntilAsync(() => captured.Lines("Embedded.Services.web").Count >= 3 || NextInterval(), "the second line to be logged");
        _time.Advance(TimeSpan.FromSeconds(2));
        await cluster.SettleServicesAsync();

        captured.Lines("Embedded.Services.web").Should().Equal(
            (LogLevel.Information, "hello from web.1.1", "web.1.1"),
            (LogLevel.Warning, "careful", "web.1.1"),
            (LogLevel.Information, "second line", "web.1.1"));
    }

    private bool NextInterval()
    {
        _time.Advance(TimeSpan.FromSeconds(2));
        return false;
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message, string? Instance)> _entries = new();
        private readonly AsyncLocal<string?> _instance = new();

        public List<(LogLevel, string, string?)> Lines(string category) =>
            [.. _entries.Where(e => e.Category == category).Select(e => (e.Level, e.Message, e.Instance))];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose() { }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                var previous = provider._instance.Value;
                if (state is IEnumerable<KeyValuePair<string, object>> pairs && pairs.FirstOrDefault(p => p.Key == "InstanceId") is { Key: not null } pair)
                    provider._instance.Value = pair.Value.ToString();
                return new Restore(() => provider._instance.Value = previous);
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider._entries.Enqueue((category, logLevel, formatter(state, exception), provider._instance.Value));
        }

        private sealed class Restore(Action restore) : IDisposable
        {
            public void Dispose() => restore();
        }
    }
}
