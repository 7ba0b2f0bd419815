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

internal sealed class TaskRun(string frameworkId, TaskInfo info, long run, ITaskExecutor executor)
{
    public string FrameworkId { get; } = frameworkId;
    public TaskInfo Info { get; } = info;
    public AgentTaskKey Key => new(FrameworkId, Info.TaskId);
    public long Run { get; } = run;
    public ITaskExecutor Executor { get; } = executor;
    public TaskState State { get; set; } = TaskState.Staging;
    public IRunningTask? Running { get; set; }
    public KillCause Kill { get; set; }
    public TimeSpan? KillGrace { get; set; }
    public ITimer? CompletionTimer { get; set; }
    public TaskOutput? Output { get; set; }

    /// <summary>The checkers of its liveness and readiness checks while it runs.</summary>
    public HealthChecker? Liveness { get; set; }
    public HealthChecker? Readiness { get; set; }

    /// <summary>What its checks said last, carried by each of its later updates.</summary>
    public bool? Healthy { get; set; }
    public bool? Ready { get; set; }

    /// <summary>Why its liveness check had it killed.</summary>
    public string? UnhealthyMessage { get; set; }

    /// <summary>Whether the task and its updates are written to the agent's checkpoint.</summary>
    public bool Checkpointed { get; init; }

    /// <summary>
    /// The sandbox a recovered task was checkpointed with; null for one launched by this agent, whose sandbox the
    /// agent's layout names (<c>SandboxOf</c>): a path is about 200 bytes, too much to keep for each of many tasks.
    /// </summary>
    public string? RecoveredSandbox { get; init; }

    /// <summary>Sandboxes of earlier runs under the same task id, launched again before their last update was acknowledged: collected with this one.</summary>
    public IReadOnlyList<string> EarlierSandboxes { get; init; } = [];
}
