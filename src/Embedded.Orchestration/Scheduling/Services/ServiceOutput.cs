using System.Collections.Concurrent;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>
/// Each instance's stdout and stderr to <see cref="ILogger"/>: category <c>Embedded.Services.&lt;name&gt;</c>,
/// the instance id in a scope, one entry a line (stderr as warnings). Running instances' output is read
/// through <see cref="IClusterClient.ReadOutputAsync"/> every interval, all of them in one pass, and only
/// what is new is logged; what an instance wrote last comes with its final status.
/// </summary>
internal sealed partial class ServiceOutput : IAsyncDisposable
{
    private readonly IClusterClient _cluster;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<string, Followed> _followed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ILogger> _categories = new(StringComparer.Ordinal);
    private readonly ITimer? _timer;
    private readonly TimeProvider _time;
    private int _reading;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    public ServiceOutput(IClusterClient cluster, ILoggerFactory loggers, TimeProvider time, TimeSpan interval)
    {
        _cluster = cluster;
        _loggers = loggers;
        _time = time;
        if (interval != Timeout.InfiniteTimeSpan) _timer = time.CreateTimer(_ => _ = ReadAllAsync(), null, interval, interval);
    }

    public void Follow(string service, string taskId, string agentId, string frameworkId) =>
        _followed.TryAdd(taskId, new Followed(service, taskId, agentId, frameworkId));

    /// <summary>Logs what the instance wrote since the last read, from its final status, and stops following it.</summary>
    public void Ended(string service, StatusUpdate status)
    {
        var followed = _followed.TryRemove(status.TaskId, out var f) ? f : new Followed(service, status.TaskId, status.AgentId ?? "", "");
        if (status.Output is { } output) followed.Log(Category(service), output);
    }

    private ILogger Category(string service) => _categories.GetOrAdd(service, s => _loggers.CreateLogger($"Embedded.Services.{s}"));

    private async Task ReadAllAsync()
    {
        if (_followed.IsEmpty || Interlocked.Exchange(ref _reading, 1) == 1) return;
        try
        {
            foreach (var followed in _followed.Values)
            {
                TaskOutput? output;
                try
                {
                    // An agent that does not answer (a partition) holds up no other instance's logs for long.
                    using var timeout = new CancellationTokenSource(ReadTimeout, _time);
                    output = await _cluster.ReadOutputAsync(followed.AgentId, followed.FrameworkId, followed.TaskId, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
                {
                    continue;
                }
                if (output is not null && _followed.ContainsKey(followed.TaskId)) followed.Log(Category(followed.Service), output);
            }
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    public ValueTask DisposeAsync()
    {
        _timer?.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed partial class Followed(string service, string taskId, string agentId, string frameworkId)
    {
        private readonly Lock _gate = new();
        private string _stdout = "", _stderr = "";

        public string Service { get; } = service;
        public string TaskId { get; } = taskId;
        public string AgentId { get; } = agentId;
        public string FrameworkId { get; } = frameworkId;

        public void Log(ILogger logger, TaskOutput output)
        {
            lock (_gate)
            {
                var stdout = New(_stdout, output.Stdout);
                var stderr = New(_stderr, output.Stderr);
                _stdout = output.Stdout;
                _stderr = output.Stderr;
                if (stdout.Length == 0 && stderr.Length == 0) return;
                using var scope = logger.BeginScope(new KeyValuePair<string, object>[] { new("InstanceId", TaskId) });
                foreach (var line in Lines(stdout)) LogStdout(logger, line);
                foreach (var line in Lines(stderr)) LogStderr(logger, line);
            }
        }

        /// <summary>What <paramref name="now"/> has beyond <paramref name="before"/>; both are tails, so the old end is found in the new text.</summary>
        internal static string New(string before, string now)
        {
            if (before.Length == 0 || now.StartsWith(before, StringComparison.Ordinal)) return now[before.Length..];
            if (now == before) return "";
            var end = before[^Math.Min(256, before.Length)..];
            var at = now.LastIndexOf(end, StringComparison.Ordinal);
            return at < 0 ? now : now[(at + end.Length)..];
        }

        private static IEnumerable<string> Lines(string text) => text.Split('\n').Where(l => l.Length > 0).Select(l => l.TrimEnd('\r'));

        [LoggerMessage(Level = LogLevel.Information, Message = "{Line}")]
        private static partial void LogStdout(ILogger logger, string line);

        [LoggerMessage(Level = LogLevel.Warning, Message = "{Line}")]
        private static partial void LogStderr(ILogger logger, string line);
    }
}
