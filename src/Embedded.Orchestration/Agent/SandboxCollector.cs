using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Execution;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Agent;

/// <summary>
/// Removes the sandboxes of tasks the agent has forgotten, as Mesos's agent garbage collector does:
/// each is kept <see cref="AgentOptions.GcDelay"/> after its task was forgotten (so that its output
/// can still be read), and every <see cref="AgentOptions.DiskWatchInterval"/> those older than
/// <c>GcDelay × max(0, 1 − GcDiskHeadroom − disk usage)</c> go early. Removing a sandbox removes
/// the parents it leaves empty (runs, task, tasks, framework directories). Only sandboxes handed to
/// <see cref="Schedule"/> are ever removed: the agent hands over a task's sandbox once the task has
/// ended and its last update was acknowledged, never one that runs or whose status is unacknowledged;
/// the checkpoint under <c>meta/</c> is not touched. Owned by the agent's loop: its timers post
/// <see cref="CollectSandboxes"/> to the agent, which calls back here; nothing here needs a lock.
/// </summary>
internal sealed partial class SandboxCollector : IDisposable
{
    // A .NET timer waits at most about 49 days; a longer GcDelay is waited for in steps.
    private static readonly TimeSpan MaxTimerWait = TimeSpan.FromDays(30);

    private readonly WorkDirectoryLayout _layout;
    private readonly string _root;
    private readonly TimeSpan _delay;
    private readonly TimeSpan _diskWatchInterval;
    private readonly double _headroom;
    private readonly Func<double> _diskUsage;
    private readonly TimeProvider _time;
    private readonly Action<AgentMessage> _post;
    private readonly ILogger _logger;

    // Forgotten sandboxes by the time they were forgotten, oldest first.
    private readonly PriorityQueue<Scheduled, DateTimeOffset> _queue = new();
    private readonly Dictionary<string, Scheduled> _byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _latestByTask = new(StringComparer.Ordinal);
    private ITimer? _dueTimer;
    private DateTimeOffset? _dueAt;
    private ITimer? _diskTimer;

    public SandboxCollector(string workDirectory, AgentOptions options, TimeProvider time, Action<AgentMessage> post, ILogger logger)
    {
        _layout = new WorkDirectoryLayout(workDirectory);
        _root = _layout.Sandboxes;
        _delay = options.GcDelay;
        _diskWatchInterval = options.DiskWatchInterval;
        _headroom = options.GcDiskHeadroom;
        _diskUsage = options.DiskUsage ?? (() => DiskUsageOf(_root));
        _time = time;
        _post = post;
        _logger = logger;
    }

    /// <summary>How many sandboxes wait to be removed.</summary>
    public int Count => _byPath.Count;

    /// <summary>
    /// Starts the disk watch and schedules the sandboxes a previous agent on this work directory left
    /// that no recovered task claims, aged from when they were last written (never from the future).
    /// </summary>
    public void Start(IEnumerable<string> claimed)
    {
        var keep = new HashSet<string>(claimed.Select(Path.GetFullPath), StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        foreach (var run in ExistingSandboxes())
        {
            if (keep.Contains(run)) continue;
            var written = new DateTimeOffset(Directory.GetLastWriteTimeUtc(run), TimeSpan.Zero);
            Add(TaskIdOf(run), run, written < now ? written : now);
        }
        _diskTimer = _time.CreateTimer(_ => _post(new CollectSandboxes(CheckDisk: true)), null, _diskWatchInterval, _diskWatchInterval);
        ArmDueTimer();
    }

    /// <summary>A forgotten task's sandbox, to be removed after the delay; its output stays readable until then.</summary>
    public void Schedule(string taskId, string sandbox)
    {
        if (string.IsNullOrEmpty(sandbox)) return;
        Add(taskId, Path.GetFullPath(sandbox), _time.GetUtcNow());
        ArmDueTimer();
    }

    /// <summary>The sandbox of the last forgotten run of <paramref name="taskId"/> that is not removed yet.</summary>
    public string? Find(string taskId) => _latestByTask.GetValueOrDefault(taskId);

    /// <summary>A timer fired: removes what is due, and with <paramref name="checkDisk"/> what the disk usage makes due.</summary>
    public void Collect(bool checkDisk)
    {
        if (checkDisk)
        {
            var usage = ReadUsage();
            var age = _delay * Math.Max(0, 1 - _headroom - usage);
            LogDiskUsage(usage, age);
            Prune(age);
        }
        else
        {
            _dueAt = null;
            Prune(_delay);
        }
        ArmDueTimer();
    }

    public void Dispose()
    {
        _dueTimer?.Dispose();
        _diskTimer?.Dispose();
    }

    private void Add(string taskId, string sandbox, DateTimeOffset forgottenAt)
    {
        if (!IsUnderRoot(sandbox) || _byPath.ContainsKey(sandbox)) return;
        var scheduled = new Scheduled(taskId, sandbox, forgottenAt);
        _byPath[sandbox] = scheduled;
        _latestByTask[taskId] = sandbox;
        _queue.Enqueue(scheduled, forgottenAt);
    }

    /// <summary>Removes every sandbox forgotten at least <paramref name="age"/> ago.</summary>
    private void Prune(TimeSpan age)
    {
        var cutoff = _time.GetUtcNow() - age;
        var removed = 0;
        while (_queue.TryPeek(out var next, out var forgottenAt) && forgottenAt <= cutoff)
        {
            _queue.Dequeue();
            _byPath.Remove(next.Sandbox);
            if (_latestByTask.TryGetValue(next.TaskId, out var latest) && latest == next.Sandbox) _latestByTask.Remove(next.TaskId);
            if (Remove(next.Sandbox)) removed++;
        }
        if (removed > 0) LogPruned(removed, age, _byPath.Count);
    }

    private bool Remove(string sandbox)
    {
        try
        {
            if (Directory.Exists(sandbox)) Directory.Delete(sandbox, recursive: true);
            // runs/, the task's directory, tasks/ and the framework's directory, as far as they are empty now.
            for (var parent = Path.GetDirectoryName(sandbox); parent is not null && IsUnderRoot(parent); parent = Path.GetDirectoryName(parent))
            {
                if (!Directory.Exists(parent)) continue;
                if (Directory.EnumerateFileSystemEntries(parent).Any()) break;
                Directory.Delete(parent);
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not retried: as in Mesos, a sandbox that cannot be removed is left to the operator.
            LogRemoveFailed(sandbox, e);
            return false;
        }
    }

    private void ArmDueTimer()
    {
        if (!_queue.TryPeek(out _, out var oldest)) return;
        var due = oldest + _delay;
        if (_dueAt is { } armed && armed <= due) return;
        _dueTimer?.Dispose();
        var wait = due - _time.GetUtcNow();
        if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
        if (wait > MaxTimerWait) wait = MaxTimerWait;
        _dueAt = due;
        _dueTimer = _time.CreateTimer(_ => _post(new CollectSandboxes(CheckDisk: false)), null, wait, Timeout.InfiniteTimeSpan);
    }

    private double ReadUsage()
    {
        try
        {
            var usage = _diskUsage();
            return double.IsNaN(usage) ? 0 : Math.Clamp(usage, 0, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            LogDiskUsageUnknown(e);
            return 0;
        }
    }

    /// <summary>The used share of the disk, as Mesos reads it: (blocks − free blocks) / blocks.</summary>
    internal static double DiskUsageOf(string path)
    {
        var existing = path;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
        var drive = new DriveInfo(existing);
        return drive.TotalSize <= 0 ? 0 : 1 - (double)drive.TotalFreeSpace / drive.TotalSize;
    }

    /// <summary>Every run directory under the root.</summary>
    private IEnumerable<string> ExistingSandboxes()
    {
        if (!Directory.Exists(_root)) return [];
        try
        {
            return [.. _layout.ExistingSandboxes()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogRemoveFailed(_root, e);
            return [];
        }
    }

    private static string TaskIdOf(string run) => WorkDirectoryLayout.TaskIdOfSandbox(run);

    private bool IsUnderRoot(string path) => path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private sealed record Scheduled(string TaskId, string Sandbox, DateTimeOffset ForgottenAt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Disk usage {Usage:P1}; sandboxes forgotten more than {Age} ago are removed")]
    private partial void LogDiskUsage(double usage, TimeSpan age);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} sandboxes forgotten more than {Age} ago; {Left} wait")]
    private partial void LogPruned(int count, TimeSpan age, int left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove sandbox {Sandbox}")]
    private partial void LogRemoveFailed(string sandbox, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the disk usage of the agent's work directory; pruning by age only")]
    private partial void LogDiskUsageUnknown(Exception exception);
}
