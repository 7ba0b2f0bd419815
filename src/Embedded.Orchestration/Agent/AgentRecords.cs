using Embedded.Orchestration.Agent.Health;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Agent;

// The agent's bookkeeping: mutable, owned by the agent's loop alone.

internal readonly record struct AgentTaskKey(string FrameworkId, string TaskId);

/// <summary>
/// Why the agent is killing a task, which decides the state it reports. GivenUp: its framework or
/// the master has given the task up, so nobody wants to hear how it ends.
/// </summary>
internal enum KillCause { None, Framework, Operator, MaxCompletionTime, GivenUp, AgentShutdown, Unhealthy }

/// <summary>
/// A task as its agent runs it. What most running tasks never have (checks, a kill under way, a deadline,
/// a recovered sandbox, earlier runs) lives in one object made when the first of it is set, so that a host of
/// a hundred thousand tasks keeps a small record for each.
/// </summary>
internal sealed class TaskRun(string frameworkId, TaskInfo info, long run, ITaskExecutor executor)
{
    private Details? _details;

    public string FrameworkId { get; } = frameworkId;
    public TaskInfo Info { get; } = info;
    public AgentTaskKey Key => new(FrameworkId, Info.TaskId);
    public long Run { get; } = run;
    public ITaskExecutor Executor { get; } = executor;
    public TaskState State { get; set; } = TaskState.Staging;
    public IRunningTask? Running { get; set; }
    public KillCause Kill { get; set; }

    /// <summary>Whether the task and its updates are written to the agent's checkpoint.</summary>
    public bool Checkpointed { get; init; }

    public TimeSpan? KillGrace
    {
        get => _details?.KillGrace;
        set => Set(value, static (d, v) => d.KillGrace = v);
    }

    public ITimer? CompletionTimer
    {
        get => _details?.CompletionTimer;
        set => Set(value, static (d, v) => d.CompletionTimer = v);
    }

    public TaskOutput? Output
    {
        get => _details?.Output;
        set => Set(value, static (d, v) => d.Output = v);
    }

    /// <summary>The checker of its liveness check while it runs.</summary>
    public HealthChecker? Liveness
    {
        get => _details?.Liveness;
        set => Set(value, static (d, v) => d.Liveness = v);
    }

    /// <summary>The checker of its readiness check while it runs.</summary>
    public HealthChecker? Readiness
    {
        get => _details?.Readiness;
        set => Set(value, static (d, v) => d.Readiness = v);
    }

    /// <summary>What its liveness check said last, carried by each of its later updates.</summary>
    public bool? Healthy
    {
        get => _details?.Healthy;
        set => Set(value, static (d, v) => d.Healthy = v);
    }

    /// <summary>What its readiness check said last, carried by each of its later updates.</summary>
    public bool? Ready
    {
        get => _details?.Ready;
        set => Set(value, static (d, v) => d.Ready = v);
    }

    /// <summary>Why its liveness check had it killed.</summary>
    public string? UnhealthyMessage
    {
        get => _details?.UnhealthyMessage;
        set => Set(value, static (d, v) => d.UnhealthyMessage = v);
    }

    /// <summary>
    /// The sandbox a recovered task was checkpointed with; null for one launched by this agent, whose sandbox the
    /// agent's layout names (<c>SandboxOf</c>): a path is about 200 bytes, too much to keep for each of many tasks.
    /// </summary>
    public string? RecoveredSandbox
    {
        get => _details?.RecoveredSandbox;
        init => Set(value, static (d, v) => d.RecoveredSandbox = v);
    }

    /// <summary>Sandboxes of earlier runs under the same task id, launched again before their last update was acknowledged: collected with this one.</summary>
    public IReadOnlyList<string> EarlierSandboxes
    {
        get => _details?.EarlierSandboxes ?? [];
        init => Set(value.Count == 0 ? null : value, static (d, v) => d.EarlierSandboxes = v);
    }

    // Clearing what was never set makes nothing.
    private void Set<T>(T value, Action<Details, T> set)
    {
        if (value is null && _details is null) return;
        set(_details ??= new Details(), value);
    }

    private sealed class Details
    {
        public TimeSpan? KillGrace;
        public ITimer? CompletionTimer;
        public TaskOutput? Output;
        public HealthChecker? Liveness;
        public HealthChecker? Readiness;
        public bool? Healthy;
        public bool? Ready;
        public string? UnhealthyMessage;
        public string? RecoveredSandbox;
        public IReadOnlyList<string>? EarlierSandboxes;
    }
}
