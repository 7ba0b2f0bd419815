using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Protocol;

/// <summary>What the master's loop reads: calls from agents here, calls from frameworks and its own timers beside them.</summary>
// Only the records below cross a process boundary; framework calls and the master's timers never do.
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RegisterAgent), "RegisterAgent")]
[JsonDerivedType(typeof(AgentHeartbeat), "AgentHeartbeat")]
[JsonDerivedType(typeof(StatusUpdateFromAgent), "StatusUpdateFromAgent")]
[JsonDerivedType(typeof(AgentStopping), "AgentStopping")]
[JsonDerivedType(typeof(MessageFromTask), "MessageFromTask")]
[JsonDerivedType(typeof(TaskOutputRead), "TaskOutputRead")]
internal abstract record MasterMessage;

// What an agent sends the master: plain data that any transport can carry.

/// <summary>A task an agent runs, as it reports it when it registers again.</summary>
internal sealed record ReportedTask(string FrameworkId, TaskInfo Task, TaskState State);

internal sealed record RegisterAgent(
    string AgentId,
    string Hostname,
    Resources Resources,
    ImmutableDictionary<string, string> Attributes,
    ImmutableArray<TaskKind> TaskKinds,
    AgentAddress From,
    ImmutableArray<ReportedTask> Tasks,
    bool Reregister) : MasterMessage;

/// <summary>Carries the way back, so the master can answer an agent it no longer knows.</summary>
internal sealed record AgentHeartbeat(string AgentId, AgentAddress From) : MasterMessage;

internal sealed record StatusUpdateFromAgent(string AgentId, string FrameworkId, StatusUpdate Status) : MasterMessage;

internal sealed record AgentStopping(string AgentId) : MasterMessage;

/// <summary>The answer to <see cref="ReadTaskOutput"/>: null when the agent does not know the task.</summary>
internal sealed record TaskOutputRead(string AgentId, long RequestId, TaskOutput? Output) : MasterMessage;

/// <summary>A task's message to its framework.</summary>
internal sealed record MessageFromTask(string AgentId, string FrameworkId, string TaskId, ReadOnlyMemory<byte> Data) : MasterMessage;
