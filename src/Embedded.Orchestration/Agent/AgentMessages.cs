using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Protocol;

namespace Embedded.Orchestration.Agent;

// The agent's own.

/// <summary>The agent's first registration after it started: new, unless it recovered a predecessor's tasks.</summary>
internal sealed record RegisterAtStart : AgentMessage
{
    public static readonly RegisterAtStart Instance = new();
}

internal sealed record SendHeartbeat : AgentMessage
{
    public static readonly SendHeartbeat Instance = new();
}

internal sealed record TaskLaunched(AgentTaskKey Key, long Run, IRunningTask? Running, Exception? Error) : AgentMessage;
internal sealed record TaskExited(AgentTaskKey Key, long Run, TaskExit Exit) : AgentMessage;
internal sealed record RetryUpdates(AgentTaskKey Key, Guid Uuid) : AgentMessage;
internal sealed record CompletionTimeReached(AgentTaskKey Key, long Run) : AgentMessage;

/// <summary>A task's liveness (or, with <paramref name="Readiness"/>, readiness) check changed its mind.</summary>
internal sealed record HealthChanged(AgentTaskKey Key, long Run, bool Readiness, Agent.Health.HealthVerdict Verdict) : AgentMessage;

/// <summary>A timer of the <see cref="SandboxCollector"/>: sandboxes are due, or (with <paramref name="CheckDisk"/>) the disk is to be checked.</summary>
internal sealed record CollectSandboxes(bool CheckDisk) : AgentMessage;

/// <summary>Cuts the agent off from the master (or heals it), as a network partition would.</summary>
internal sealed record SetPartitioned(bool Partitioned) : AgentMessage;

/// <summary>A running task wrote to its framework.</summary>
internal sealed record TaskMessage(string FrameworkId, string TaskId, ReadOnlyMemory<byte> Data) : AgentMessage;

/// <summary>Answered once the agent has handled everything queued before it: how a test knows the agent is quiet.</summary>
internal sealed record Flush : AgentMessage
{
    public TaskCompletionSource Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Reads a task's output; a null <paramref name="FrameworkId"/> (tests and tools) takes the first task of that id.</summary>
internal sealed record ReadOutput(string? FrameworkId, string TaskId) : AgentMessage
{
    public TaskCompletionSource<TaskOutput?> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
