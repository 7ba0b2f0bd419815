using System.Text.Json.Serialization;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Protocol;

/// <summary>What an agent's loop reads: orders from the master here, and the agent's own events beside them.</summary>
// Only the records below cross a process boundary; the agent's own messages never leave its loop.
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AgentRegistered), "AgentRegistered")]
[JsonDerivedType(typeof(ReregisterRequested), "ReregisterRequested")]
[JsonDerivedType(typeof(RegisterAnew), "RegisterAnew")]
[JsonDerivedType(typeof(RegistrationRefused), "RegistrationRefused")]
[JsonDerivedType(typeof(RunTask), "RunTask")]
[JsonDerivedType(typeof(KillTask), "KillTask")]
[JsonDerivedType(typeof(AcknowledgeUpdate), "AcknowledgeUpdate")]
[JsonDerivedType(typeof(FrameworkMessage), "FrameworkMessage")]
[JsonDerivedType(typeof(ShutdownFramework), "ShutdownFramework")]
[JsonDerivedType(typeof(FrameworkResubscribed), "FrameworkResubscribed")]
[JsonDerivedType(typeof(ReadTaskOutput), "ReadTaskOutput")]
internal abstract record AgentMessage;

// What the master sends an agent: plain data that any transport can carry.

internal sealed record AgentRegistered(string AgentId, TimeSpan HeartbeatInterval) : AgentMessage;

/// <summary>The master does not know this agent as reachable: register again with the tasks it runs.</summary>
internal sealed record ReregisterRequested(string Reason) : AgentMessage;

/// <summary>The master removed this agent (it stayed away too long): its tasks are gone, it must register as new.</summary>
internal sealed record RegisterAnew(string Reason) : AgentMessage;

/// <summary>The master refused the agent for good (for example, a duplicate name).</summary>
internal sealed record RegistrationRefused(string Reason) : AgentMessage;

internal sealed record RunTask(string FrameworkId, TaskInfo Task, bool Checkpoint = false) : AgentMessage;
/// <summary>Kill a task; <paramref name="ByOperator"/> when an operator asked, not its framework (said in its final status).</summary>
internal sealed record KillTask(string FrameworkId, string TaskId, TimeSpan? GracePeriod, bool ByOperator = false) : AgentMessage;
internal sealed record AcknowledgeUpdate(string FrameworkId, string TaskId, Guid Uuid) : AgentMessage;
internal sealed record FrameworkMessage(string FrameworkId, string TaskId, ReadOnlyMemory<byte> Data) : AgentMessage;
internal sealed record ShutdownFramework(string FrameworkId) : AgentMessage;

/// <summary>Asks what a task has written so far; the agent answers <see cref="TaskOutputRead"/> with the same <paramref name="RequestId"/>.</summary>
internal sealed record ReadTaskOutput(long RequestId, string FrameworkId, string TaskId) : AgentMessage;

/// <summary>A framework subscribed again after a failover: what it missed goes to it now, not at the next retry.</summary>
internal sealed record FrameworkResubscribed(string FrameworkId) : AgentMessage;
