using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Agent;

/// <summary>What an agent's loop reads: orders from the master and its own events.</summary>
internal abstract record AgentMessage;

// From the master.

internal sealed record AgentRegistered(string AgentId, TimeSpan HeartbeatInterval) : AgentMessage;

/// <summary>The master does not know this agent as reachable: register again with the tasks it runs.</summary>
internal sealed record ReregisterRequested(string Reason) : AgentMessage;

/// <summary>The agent's first registration after it started: new, unless it recovered a predecessor's tasks.</summary>
internal sealed record RegisterAtStart : AgentMessage
{
    public static readonly RegisterAtStart Instance = new();
}

/// <summary>The master removed this agent (it stayed away too long): its tasks are gone, it must register as new.</summary>
internal sealed record RegisterAnew(string Reason) : AgentMessage;

/// <summary>The master refused the agent for good (for example, a duplicate name).</summary>
internal sealed record RegistrationRefused(string Reason) : AgentMessage;

internal sealed record RunTask(string FrameworkId, TaskInfo Task, bool Checkpoint = false) : AgentMessage;
internal sealed record KillTask(string FrameworkId, string TaskId, TimeSpan? GracePeriod) : AgentMessage;
internal sealed record AcknowledgeUpdate(string FrameworkId, string TaskId, Guid Uuid) : AgentMessage;
internal sealed record FrameworkMessage(string FrameworkId, string TaskId, ReadOnlyMemory<byte> Data) : AgentMessage;
internal sealed record ShutdownFramework(string FrameworkId) : AgentMessage;

/// <summary>A framework subscribed again after a failover: what it missed goes to it now, not at the next retry.</summary>
internal sealed record FrameworkResubscribed(string FrameworkId) : AgentMessage;

// The agent's own.

internal sealed record SendHeartbeat : AgentMessage
{
    public static readonly SendHeartbeat Instance = new();
}

internal sealed record TaskLaunched(AgentTaskKey Key, long Run, IRunningTask? Running, Exception? Error) : AgentMessage;
internal sealed record TaskExited(AgentTaskKey Key, long Run, TaskExit Exit) : AgentMessage;
internal sealed record RetryUpdates(AgentTaskKey Key, Guid Uuid) : AgentMessage;
internal sealed record CompletionTimeReached(AgentTaskKey Key, long Run) : AgentMessage;

/// <summary>A timer of the <see cref="SandboxCollector"/>: sandboxes are due, or (with <paramref name="CheckDisk"/>) the disk is to be checked.</summary>
internal sealed record CollectSandboxes(bool CheckDisk) : AgentMessage;

/// <summary>Cuts the agent off from the master (or heals it), as a network partition would.</summary>
internal sealed record SetPartitioned(bool Partitioned) : AgentMessage;

/// <summary>A running task wrote to its framework.</summary>
internal sealed record TaskMessage(string FrameworkId, string TaskId, ReadOnlyMemory<byte> Data) : AgentMessage;

/// <summary>Reads a task's output; a null <paramref name="FrameworkId"/> (tests and tools) takes the first task of that id.</summary>
internal sealed record ReadOutput(string? FrameworkId, string TaskId) : AgentMessage
{
    public TaskCompletionSource<TaskOutput?> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
