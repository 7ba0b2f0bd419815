using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// Runs the tasks of one kind (processes, delegates, containers) for an agent. The agent picks
/// the first executor of a task's <see cref="TaskInfo.Kind"/>, and advertises the kinds it has.
/// </summary>
public interface ITaskExecutor
{
    /// <summary>A short name for logs and state, such as "process" or "docker".</summary>
    string Name { get; }

    /// <summary>The kind of task this executor runs.</summary>
    TaskKind Kind { get; }

    /// <summary>
    /// Starts the task and returns once it runs. Throws <see cref="TaskLaunchException"/> with a
    /// reason when it cannot; any other exception is reported as a failed launch.
    /// </summary>
    ValueTask<IRunningTask> LaunchAsync(TaskLaunch launch, CancellationToken cancellationToken);
}

/// <summary>Everything an executor needs to start one task.</summary>
public sealed record TaskLaunch(string AgentId, string FrameworkId, TaskInfo Task, string SandboxDirectory)
{
    /// <summary>The agent's number for this run of the task (a task id launched again gets a new one); 0 when unknown.</summary>
    public long Run { get; init; }

    private Action<ReadOnlyMemory<byte>>? _send;

    /// <summary>Sends a message from the task to its framework (a MessageEvent), best effort as in Mesos.</summary>
    public Action<ReadOnlyMemory<byte>> SendToFramework
    {
        get => _send ??= Agent is { } agent ? data => agent.SendToFramework(FrameworkId, Task.TaskId, data) : static _ => { };
        init => _send = value;
    }

    /// <summary>The agent launching the task, for the executors that tell it of messages and ends themselves.</summary>
    internal ITaskAgent? Agent { get; init; }

    /// <summary>The agent's owner-lease id; executors mark what they start with it (a container label) so the watchdog finds exactly that.</summary>
    public string? LeaseId { get; init; }

    /// <summary>Whether the task's framework checkpoints, so that the task may outlive the agent's process for its recovery timeout.</summary>
    public bool Checkpointed { get; init; }
}

/// <summary>A started task. <see cref="Completion"/> never faults: every ending is a <see cref="TaskExit"/>.</summary>
public interface IRunningTask : IAsyncDisposable
{
    Task<TaskExit> Completion { get; }

    /// <summary>Asks the task to stop (SIGTERM), then forces it (SIGKILL, whole tree) after the grace period.</summary>
    ValueTask KillAsync(TimeSpan gracePeriod, CancellationToken cancellationToken);

    /// <summary>The output so far, while it runs or after it ended.</summary>
    ValueTask<TaskOutput> ReadOutputAsync(CancellationToken cancellationToken);
}

/// <summary>How a task ended, as the executor saw it.</summary>
public sealed record TaskExit(TaskState State, TaskReason Reason, string Message, int? ExitCode = null, TaskOutput? Output = null);

/// <summary>A launch that could not be honoured, with the reason the task status will carry.</summary>
public sealed class TaskLaunchException(TaskReason reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public TaskReason Reason { get; } = reason;
}
